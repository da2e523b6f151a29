"""The staff pages' words in languages other than English, one module per area and language.

`fr_<area>.py` holds `FR: dict[str, str]`: the English message (exactly as written in the
template or the Python source) to its French. `service/i18n.py` merges them; the same
message may appear in two areas only with the same French (tests/test_staff_i18n.py).
"""
