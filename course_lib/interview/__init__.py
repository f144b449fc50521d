"""Notebook 01: the interview question bank and the live experiments behind its answers.

    qa            the bilingual question bank (data/questions.yaml), validated, flash cards
    quiz          the terminal quiz (``python -m course_lib quiz``)
    decode_demo   small live experiments: tokens per image, attention cost, bandwidth, drafts

May use every subject below it (its demos time the real generators).
"""
