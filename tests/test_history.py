"""s7/core/history.py: what a run measured, epoch by epoch, under its split's names (test_* or val_*, and the
trained weights' own accuracy beside an average), rounded to 6 decimals, each epoch's line printed."""
from s7.core.history import History, eval_split


def test_each_epoch_is_kept_under_its_splits_names_and_printed_in_one_line(capsys):
    h = History("val", averaged=True)
    assert list(h) == ["train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "raw_val_acc"]
    h.add(3, lr=0.1, train_loss=0.12345678, train_acc=98.7654321, eval_loss=0.0456789, eval_acc=99.123456789,
          seconds=12.34, trained_acc=98.9)
    assert h == {"train_loss": [0.123457], "train_acc": [98.765432], "val_loss": [0.045679], "val_acc": [99.123457],
                 "lr": [0.1], "seconds": [12.34], "raw_val_acc": [98.9]}
    assert capsys.readouterr().out == ("epoch  3  lr 0.10000  train loss 0.1235 acc 98.77%  val loss 0.0457 acc 99.12%"
                                       " (trained weights 98.90%)  (12.3s)\n")
    assert eval_split(h) == "val"
    plain = History()
    assert eval_split(plain) == "test" and "raw_test_acc" not in plain and "val_acc" not in plain


def test_a_trained_accuracy_of_zero_is_kept_like_any_other():
    h = History("test", averaged=True)
    h.add(1, lr=0.1, train_loss=1.0, train_acc=50.0, eval_loss=1.0, eval_acc=60.0, seconds=1.0, trained_acc=0.0)
    assert h["raw_test_acc"] == [0.0] and len(h["raw_test_acc"]) == len(h["test_acc"])
