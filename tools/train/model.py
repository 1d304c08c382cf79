"""A trainable Qwen2ForCausalLM in plain PyTorch (transformers' modeling_qwen2 semantics).

q/k/v projections with bias, o_proj without, SwiGLU MLP, RMSNorm, RoPE (rotate-half), GQA, tied
embeddings. The parameter names are the Hub checkpoint names, so `state_dict()` is what goes
into model.safetensors.

Training feeds one shared prefix (the system block every chat of a batch starts with) plus a
batch of suffixes: the prefix is computed once and its keys/values are shared by every row.
`generate` decodes greedily with a KV cache (batch of one) for evaluation.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        x = x.float()
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.d = c["heads"], c["kv_heads"], c["head_dim"]
        h = c["hidden"]
        self.q_proj = nn.Linear(h, self.heads * self.d, bias=True)
        self.k_proj = nn.Linear(h, self.kv_heads * self.d, bias=True)
        self.v_proj = nn.Linear(h, self.kv_heads * self.d, bias=True)
        self.o_proj = nn.Linear(self.heads * self.d, h, bias=False)

    def qkv(self, x, cos, sin):
        """x [B, T, H] -> q [B, heads, T, d], k, v [B, kv_heads, T, d] with RoPE applied."""
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.d).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv_heads, self.d).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv_heads, self.d).transpose(1, 2)
        return rope(q, cos, sin), rope(k, cos, sin), v

    def attend(self, q, k, v, mask):
        """q [B, heads, T, d]; k, v [B, kv_heads, S, d]; mask [T, S] bool (True = masked)."""
        rep = self.heads // self.kv_heads
        B, _, T, _ = q.shape
        q = q.reshape(B, self.kv_heads, rep * T, self.d)  # query heads of one kv head, stacked
        scores = (q @ k.transpose(-1, -2)).float() * (self.d ** -0.5)
        scores = scores.view(B, self.kv_heads, rep, T, -1).masked_fill(mask, float("-inf"))
        probs = torch.softmax(scores, dim=-1).to(v.dtype).view(B, self.kv_heads, rep * T, -1)
        out = (probs @ v).view(B, self.heads, T, self.d).transpose(1, 2).reshape(B, T, self.heads * self.d)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["hidden"], c["intermediate"], bias=False)
        self.up_proj = nn.Linear(c["hidden"], c["intermediate"], bias=False)
        self.down_proj = nn.Linear(c["intermediate"], c["hidden"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden"], c["eps"])


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["hidden"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"], c["eps"])


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


class Qwen2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Body(c)
        d = c["head_dim"]
        self.register_buffer("inv_freq", 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2).float() / d)), persistent=False)
        self.reset_parameters()

    def reset_parameters(self, std=0.05):
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(p)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)
            else:
                nn.init.normal_(p, std=std)
        # Residual-branch outputs scaled down with depth (GPT-2 style).
        for layer in self.model.layers:
            nn.init.normal_(layer.self_attn.o_proj.weight, std=std / math.sqrt(2 * self.c["layers"]))
            nn.init.normal_(layer.mlp.down_proj.weight, std=std / math.sqrt(2 * self.c["layers"]))

    @torch.no_grad()
    def install_previous_token_heads(self, layer=0, kv_head=0, strength=360.0, profile=(1.0, 0.7, 0.5, 0.3, 0.2, 0.1)):
        """Initialise the query heads of one KV head to attend to the previous position.

        Their q/k weights are zeroed and the biases set so that, after RoPE, q_m . k_n =
        sum_j c_j cos((n - m + 1) theta_j): largest at n = m - 1 whatever the tokens (c_j on the
        fastest rotating pairs; over 2048 positions the runner-up is >= 8 logits lower). Training
        starts with a previous-token head, the first half of an induction circuit.
        """
        a = self.model.layers[layer].self_attn
        d, rep = a.d, a.heads // a.kv_heads
        c = torch.zeros(d // 2)
        c[: len(profile)] = torch.tensor(profile)
        amp = (c / c.sum() * strength).sqrt()
        qb = torch.cat((amp, torch.zeros(d // 2)))
        kb = torch.cat((amp * torch.cos(self.inv_freq), amp * torch.sin(self.inv_freq)))
        for h in range(kv_head * rep, (kv_head + 1) * rep):
            a.q_proj.weight[h * d : (h + 1) * d] = 0
            a.q_proj.bias[h * d : (h + 1) * d] = qb
        a.k_proj.weight[kv_head * d : (kv_head + 1) * d] = 0
        a.k_proj.bias[kv_head * d : (kv_head + 1) * d] = kb

    def rope_tables(self, start, length):
        pos = torch.arange(start, start + length, dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()

    def logits(self, h):
        return h @ self.model.embed_tokens.weight.t()

    def forward_shared(self, prefix, suffix):
        """prefix [P] ids shared by all rows; suffix [B, S] ids. Returns final hidden states of the
        suffix positions [B, S, H] (normed). Positions: prefix 0..P-1, suffix P..P+S-1."""
        P, (B, S) = prefix.shape[0], suffix.shape
        emb = self.model.embed_tokens
        xp, xs = emb(prefix)[None], emb(suffix)
        cp, sp = self.rope_tables(0, P)
        cs, ss = self.rope_tables(P, S)
        mask_p = torch.triu(torch.ones(P, P, dtype=torch.bool), 1)
        mask_s = torch.cat((torch.zeros(S, P, dtype=torch.bool), torch.triu(torch.ones(S, S, dtype=torch.bool), 1)), 1)
        for layer in self.model.layers:
            a = layer.self_attn
            qp, kp, vp = a.qkv(layer.input_layernorm(xp), cp, sp)
            qs, ks, vs = a.qkv(layer.input_layernorm(xs), cs, ss)
            xp = xp + a.attend(qp, kp, vp, mask_p)
            k = torch.cat((kp.expand(B, -1, -1, -1), ks), 2)
            v = torch.cat((vp.expand(B, -1, -1, -1), vs), 2)
            xs = xs + a.attend(qs, k, v, mask_s)
            xp = xp + layer.mlp(layer.post_attention_layernorm(xp))
            xs = xs + layer.mlp(layer.post_attention_layernorm(xs))
        return self.model.norm(xs)

    @torch.no_grad()
    def step(self, ids, cache):
        """Append ids [T] to the cache (list of per-layer (k, v)); returns last-position logits."""
        start = 0 if not cache else cache[0][0].shape[2]
        T = ids.shape[0]
        x = self.model.embed_tokens(ids)[None]
        cos, sin = self.rope_tables(start, T)
        mask = torch.cat((torch.zeros(T, start, dtype=torch.bool), torch.triu(torch.ones(T, T, dtype=torch.bool), 1)), 1)
        for i, layer in enumerate(self.model.layers):
            a = layer.self_attn
            q, k, v = a.qkv(layer.input_layernorm(x), cos, sin)
            if len(cache) > i:
                k = torch.cat((cache[i][0], k), 2)
                v = torch.cat((cache[i][1], v), 2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
            x = x + a.attend(q, k, v, mask)
            x = x + layer.mlp(layer.post_attention_layernorm(x))
        return self.logits(self.model.norm(x[0, -1]))

    @torch.no_grad()
    def generate(self, ids, stop_ids, max_tokens, cache=None):
        """Greedy continuation of ids until a stop id (included) or max_tokens. `cache` (from
        `step` over a shared prefix) is copied, not changed."""
        cache = list(cache or [])
        logits = self.step(torch.tensor(ids, dtype=torch.long), cache)
        out = []
        for _ in range(max_tokens):
            nxt = int(torch.argmax(logits))  # all rows, padding too, as the runtime does
            out.append(nxt)
            if nxt in stop_ids:
                break
            logits = self.step(torch.tensor([nxt], dtype=torch.long), cache)
        return out
