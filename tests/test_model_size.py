"""s7/core/model_size.py: output size, jump, receptive field and multiply-adds per layer, computed from the
module."""
import torch.nn as nn

from s7.core.model_size import receptive_field_table


def rf_rows(*layers, size=28):
    return receptive_field_table(nn.Sequential(*layers), (layers[0].in_channels, size, size))


def test_three_3x3_convs_give_rf_3_5_7():
    rows = rf_rows(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 3))
    assert [r["rf"] for r in rows] == [3, 5, 7]
    assert [r["output"] for r in rows] == [(4, 26, 26), (4, 24, 24), (4, 22, 22)]
    assert [r["jump"] for r in rows] == [1, 1, 1]


def test_maxpool_doubles_jump_and_next_conv_grows_faster():
    rows = rf_rows(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3))
    assert [(r["rf"], r["jump"]) for r in rows] == [(3, 1), (4, 2), (8, 2)]


def test_1x1_conv_keeps_rf():
    rows = rf_rows(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 8, 1))
    assert rows[1]["rf"] == rows[0]["rf"] == 3 and rows[1]["output"] == (8, 26, 26)


def test_padding_keeps_size_and_macs_count():
    rows = rf_rows(nn.Conv2d(2, 4, 3, padding=1), size=10)
    assert rows[0]["output"] == (4, 10, 10) and rows[0]["rf"] == 3
    assert rows[0]["macs"] == 10 * 10 * 4 * 2 * 9


def test_global_average_pool_covers_the_map():
    rows = rf_rows(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1))
    # 13x13 map at jump 2: GAP adds (13 - 1) * 2
    assert rows[-1]["rf"] == 4 + 12 * 2 and rows[-1]["output"] == (4, 1, 1)


def test_linear_layers_over_a_map_see_all_of_it():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 13 * 13, 8), nn.Linear(8, 10))
    rows = receptive_field_table(net)
    # the first Linear sees the whole 13x13 map at jump 2: like a global pool; the second adds nothing
    assert [r["rf"] for r in rows] == [3, 4, 4 + 12 * 2, 4 + 12 * 2]
    assert rows[-2]["macs"] == 4 * 13 * 13 * 8 and rows[-1]["macs"] == 80
