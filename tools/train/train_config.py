"""Shapes, seeds and optimiser settings of the tiny tool-calling model (one place to change them)."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_FOLDER = os.path.normpath(os.path.join(HERE, "..", "..", "public", "models", "tiny-tool-qwen"))

SEED = 1234  # torch.manual_seed and the chat generator's random.Random
TOKENIZER_SEED = 99  # chats the BPE is trained on (a different stream from training)
TOKENIZER_CHATS = 2000
NUM_MERGES = 768  # 256 byte tokens + 768 merges = 1024 BPE ids, then the 7 added tokens
THREADS = 1  # bf16 matmuls (oneDNN) are fast on one core; the machine is shared

COPY_STEPS = 500  # synthetic copy warm-up (copy_warmup.py), short rows
COPY_ROWS = 32
COPY_MAX_FILLER = 48
COPY_EVERY = 5  # after the warm-up, every 5th step is a copy batch
SHORT_CHAT_STEPS = 500  # first chat steps: no tools block (short contexts), every tool callable
STEPS = 3000  # steps after the warm-up (chat steps, short ones first, and the copy steps)
INIT_STD = 0.05  # 0.02 leaves copying stuck on a long plateau
LR = 2e-3
MIN_LR_FRACTION = 0.05
WARMUP = 60
WEIGHT_DECAY = 0.01
BETAS = (0.9, 0.98)
GRAD_CLIP = 1.0
CHATS_PER_SETTING = 48  # chats generated per (tools, system message) setting
TOKEN_BUDGET = 2048  # rows x padded length per step


def padded_vocab(n, multiple=64):
    # Qwen pads its embedding past the tokenizer (151665 -> 151936).
    return -(-n // multiple) * multiple


def model_config(tok):
    return {
        "vocab": padded_vocab(tok.size),
        "tokenizer_size": tok.size,
        "hidden": 192,
        "intermediate": 576,
        "layers": 4,
        "heads": 6,
        "kv_heads": 2,
        "head_dim": 32,  # hidden / heads: Qwen2 configs have no head_dim field
        "rope_theta": 10000.0,
        "eps": 1e-6,
        "max_position_embeddings": 2048,
    }
