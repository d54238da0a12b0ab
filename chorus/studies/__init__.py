"""The shipped study files (package data): `chorus demo` runs anes2012-demo.yaml."""
