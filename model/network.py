"""One encoder pass, two heads: BIO span tags per token and multi-label themes per sentence."""
from __future__ import annotations

import torch
from torch import nn
from transformers import AutoModel, PretrainedConfig


class TaggerNetwork(nn.Module):
    def __init__(self, encoder: nn.Module, num_tags: int, num_themes: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.tag_head = nn.Linear(hidden, num_tags)
        self.theme_head = nn.Linear(hidden, num_themes)

    @classmethod
    def from_encoder_config(cls, config: PretrainedConfig, num_tags: int, num_themes: int):
        """Randomly initialised network of a given architecture (for loading saved weights, tests)."""
        return cls(AutoModel.from_config(config, add_pooling_layer=False)
                   if config.model_type in {"bert", "albert"} else AutoModel.from_config(config),
                   num_tags, num_themes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        """Returns (tag logits [batch, tokens, tags], theme logits [batch, themes])."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden = self.dropout(hidden)
        # Mean over real tokens: steadier than [CLS] for sentence labels learned from little data.
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.tag_head(hidden), self.theme_head(pooled)
