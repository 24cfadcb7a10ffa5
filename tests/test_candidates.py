"""s7/studies/candidates.py: the search's candidate networks build and run under 8,000 parameters, and a
layout written as a string is the network it names."""
import torch

import models
from s7.core.model_size import count_macs, count_params, receptive_field_table
from s7.studies import candidates


def test_tuning_candidates_build_and_run():
    for model in (candidates.Candidate(), candidates.Candidate(b2=(10, 14, 16), pad=(16,)),
                  candidates.Candidate(b2=(10, 14, 16), tail_nopad=(16,)), candidates.Candidate(b2=(12, 16, 18), expand=40),
                  candidates.Separable()):
        assert model.eval()(torch.randn(3, 1, 28, 28)).shape == (3, 10)
        assert count_params(model) < 8000
    # the default Candidate is Model6's layout: the same parameter shapes
    assert [p.shape for p in candidates.Candidate().parameters()] == [p.shape for p in models.Model6().parameters()]
    # padding in block 2: the same parameters, the maps stay 12x12, so more multiply-adds
    padded = candidates.Candidate(b2_padding=1)
    assert [p.shape for p in padded.parameters()] == [p.shape for p in models.Model6().parameters()]
    assert padded.eval()(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    assert receptive_field_table(padded)[-3]["output"] == (24, 12, 12)   # the last conv, before the pool
    assert count_macs(padded) > count_macs(candidates.Candidate())


def test_net_layouts_from_strings():
    plain, factorised = candidates.Net("c6 c8 M t6 c10 c14 c18"), candidates.Net("c6 c8 M t6 c10 f14 f18")
    # Model6's layout at these widths is the same network, parameter for parameter
    assert [p.shape for p in plain.parameters()] == [p.shape for p in models.Model6(widths=(6, 8, 6, 10, 14, 18)).parameters()]
    # a factorised 3x3 shrinks the map and grows the receptive field as a 3x3 does
    last_conv, plain_last_conv = receptive_field_table(factorised)[-3], receptive_field_table(plain)[-3]
    assert last_conv["output"] == (18, 6, 6) and last_conv["rf"] == plain_last_conv["rf"]
    assert factorised.eval()(torch.randn(3, 1, 28, 28)).shape == (3, 10)
