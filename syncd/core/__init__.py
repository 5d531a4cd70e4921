"""The shared core every layer stands on: domain values and the seams between parts
(``domain``), the error tree (``errors``), YAML reading with line numbers (``yamlfile``), the
base of every configuration model (``settings``) and secret masking (``redaction``).

Nothing here imports another part of syncd, a connector or the mapping layer.
"""
