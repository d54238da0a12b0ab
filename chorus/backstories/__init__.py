"""Backstories: batched generation (anthology and interview styles), the critic (frame checks and
the LLM consistency critic), near-duplicate removal and diversity statistics.

Public API (everything else is private to the part):
    BackstoryConfig, Backstory, Turn, generate_backstories, STYLES
    check_frame, FRAME_KINDS, ConsistencyCritic, Critic, Review, ReviewItem, fact_table
    SentenceEmbedder, near_duplicates, diversity_stats, DiversityStats
    load_critic_set, CRITIC_SET, CriticCase, judge_cases, scores (the labelled critic set, scoring)
    anthology_question, interview_questions, prompts_hash, transcript_text
"""

from chorus.backstories.critic import (
    ConsistencyCritic,
    ConsistencyVerdict,
    Critic,
    Review,
    ReviewItem,
)
from chorus.backstories.dedup import near_duplicates
from chorus.backstories.diversity import (
    DiversityStats,
    distinct_n,
    diversity_stats,
    mean_pairwise_distance,
)
from chorus.backstories.evaluation import (
    CRITIC_SET,
    CriticCase,
    CriticScores,
    CriticSetError,
    consistency_cases,
    judge_cases,
    load_critic_set,
    scores,
    shares_topic,
)
from chorus.backstories.facts import TOPICS, Fact, fact_table
from chorus.backstories.frame import FRAME_KINDS, check_frame
from chorus.backstories.generate import generate_backstories
from chorus.backstories.schema import (
    STYLES,
    Backstory,
    BackstoryConfig,
    ConsistencyCheck,
    FrameIssue,
    Rejection,
    Style,
    Turn,
    TurnVerdict,
    transcript_text,
)
from chorus.backstories.templates import anthology_question, interview_questions, prompts_hash
from chorus.engines.embeddings import (  # the loader sits in engines: surveys codes with it too
    EmbeddingModelMissing,
    SentenceEmbedder,
    embedding_model_dir,
)

__all__ = [
    "CRITIC_SET",
    "FRAME_KINDS",
    "STYLES",
    "TOPICS",
    "Backstory",
    "BackstoryConfig",
    "ConsistencyCheck",
    "ConsistencyCritic",
    "ConsistencyVerdict",
    "Critic",
    "CriticCase",
    "CriticScores",
    "CriticSetError",
    "DiversityStats",
    "EmbeddingModelMissing",
    "Fact",
    "FrameIssue",
    "Rejection",
    "Review",
    "ReviewItem",
    "SentenceEmbedder",
    "Style",
    "Turn",
    "TurnVerdict",
    "anthology_question",
    "check_frame",
    "consistency_cases",
    "distinct_n",
    "diversity_stats",
    "embedding_model_dir",
    "fact_table",
    "generate_backstories",
    "interview_questions",
    "judge_cases",
    "load_critic_set",
    "mean_pairwise_distance",
    "near_duplicates",
    "prompts_hash",
    "scores",
    "shares_topic",
    "transcript_text",
]
