"""Maps the part folders at the top of the repository (the architecture) under ONE import package,
`chorus`, so that nothing generic like `matching` lands in site-packages. Metadata: pyproject.toml.
"""

from setuptools import find_packages, setup

# chorus/ holds the root package (the notebook API and the console script); each part keeps its
# own top-level folder. studies/ is data only: the shipped study files `chorus demo` runs.
PARTS = ("engines", "surveys", "backstories", "personas", "matching", "simulator", "bench")
packages = ["chorus", "chorus.studies"] + [
    f"chorus.{name}" for part in PARTS for name in find_packages(include=[part, f"{part}.*"])
]
package_dir = {"chorus": "chorus", "chorus.studies": "studies"}
package_dir.update({f"chorus.{part}": part for part in PARTS})

setup(packages=packages, package_dir=package_dir)
