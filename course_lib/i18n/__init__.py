"""The course in two languages: which one a run speaks, the words its charts and checkers
print in it, and a font that can draw them.

Modules: ``language`` (the run's language and the string catalogue), ``font`` (the shipped CJK
font that matplotlib falls back to for Chinese glyphs), ``glossary`` (the zh/en term table, and
a check that a Chinese text keeps to it).
"""
