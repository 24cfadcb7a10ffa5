"""What utils.py stands on; nothing here imports utils.py or s7/studies/.

  places       where every file lives          records      results files and the target rule
  data_checks  the IDX files, checked          pixels       normalisation constants
  augment      the batched affine op           pil_loader   the torchvision (PIL) path for notebook 5
  gpu          CUDA graphs of the update       verdict      the one rule for "did it help?"
  digits       your own digit, read            canvas       draw a digit (also reads models.py's classes,
                                                            and models.py imports nothing of ours)
"""
