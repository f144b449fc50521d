"""Notebook 01: the interview question bank and the live experiments behind its answers.

    languages     English and Chinese: which is which, and the interface's words in both
    bank          the bank as objects: questions, bilingual texts, evidence links; selection
    notebook_sections  a notebook's sections, and whether one prints the evidence a link names
    bank_file     reading data/questions.yaml and checking every entry (BankError names each)
    cards         a question as a card (HTML or text), notebook flash cards, the score
    quiz          the terminal quiz (``python -m course_lib quiz``)
    decode_demo   small live experiments: tokens per image, KV cache, bandwidth floor, drafts

May use every subject below it (its demos time the real generators).
"""
