"""Write the trained model as a Hugging Face Qwen2 folder and read it back.

config.json / generation_config.json with the fields of Qwen2.5-0.5B-Instruct's files, the
tokenizer files, model.safetensors (BF16, tied embeddings so no lm_head.weight), a tools.json
with the tool definitions the model was trained on, and a short model card.
"""

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from safetensors_reader import read_checkpoint  # noqa: E402
from safetensors_writer import write_safetensors  # noqa: E402
from fixture_specs import generation_config_json  # noqa: E402
from tokenizer_files import write_json  # noqa: E402

from tokenizer_build import write_files as write_tokenizer_files  # noqa: E402
from tool_specs import TOOLS  # noqa: E402

DTYPE = "BF16"


def config_json(c, ids):
    return {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": ids["endoftext"],
        "eos_token_id": ids["im_end"],
        "hidden_act": "silu",
        "hidden_size": c["hidden"],
        "initializer_range": 0.02,
        "intermediate_size": c["intermediate"],
        "max_position_embeddings": c["max_position_embeddings"],
        "max_window_layers": c["layers"],
        "model_type": "qwen2",
        "num_attention_heads": c["heads"],
        "num_hidden_layers": c["layers"],
        "num_key_value_heads": c["kv_heads"],
        "rms_norm_eps": c["eps"],
        "rope_scaling": None,
        "rope_theta": c["rope_theta"],
        "sliding_window": c["max_position_embeddings"],
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.51.0",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": c["vocab"],
    }


def write_model(folder, model, tok, card):
    os.makedirs(folder, exist_ok=True)
    c = model.c
    ids = {"endoftext": tok.id("<|endoftext|>"), "im_end": tok.id("<|im_end|>")}
    tensors = [(name, t, DTYPE) for name, t in model.state_dict().items()]
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors, metadata={"format": "pt"})
    write_json(os.path.join(folder, "config.json"), config_json(c, ids), sort_keys=True)
    # A lower temperature and no repetition penalty: the model copies names and numbers from the
    # prompt, which a repetition penalty works against.
    write_json(os.path.join(folder, "generation_config.json"), generation_config_json(ids, temperature=0.3, repetition_penalty=1.0))
    write_tokenizer_files(folder, tok)
    write_json(os.path.join(folder, "tools.json"), TOOLS)
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as f:
        f.write(card)


def load_weights(model, folder):
    """Weights as the runtime holds them: read from disk, rounded to f16 (math stays f32)."""
    raw = read_checkpoint(folder)
    state = {k: v.to(torch.float16).to(torch.float32) for k, v in raw.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    return model
