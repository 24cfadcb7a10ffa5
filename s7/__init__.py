"""The machinery beside utils.py: what a learner need not read to follow a notebook, one idea a file.

utils.py imports from here; nothing here imports utils.py.
"""
