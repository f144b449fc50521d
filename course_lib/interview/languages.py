"""The course's two languages, and the interface's words in each.

Every text of the question bank exists in English and Chinese (``LANGS``); ``CHINESE`` tells
them apart, so a check can refuse English in a Chinese field and the reverse. The words around
the bank's texts (card headings, buttons, the terminal quiz's prompts) stand in one table,
each English text above its Chinese one, so a translator sees every pair together and the code
looks words up by key: ``WORDS["zh"]["answer"]``.
"""

from __future__ import annotations

import itertools

from course_lib.checks import check_choice
from course_lib.i18n.language import CHINESE, LANGS

# A key and its English text; on the next line, indented, the Chinese. {Braces} are filled in
# by the code. Prompts end without a space: the quiz adds one after the cursor.
_TABLE = """
article           What the article says
                  种子文章怎么说
critique          What is wrong or missing
                  问题与遗漏
answer            Strong answer
                  参考答案
weak              Weak answers, and why they are weak
                  常见的弱回答，弱在哪里
evidence          Evidence
                  证据
easy              easy
                  简单
medium            medium
                  中等
hard              hard
                  困难
any               any
                  不限
hidden            Answer hidden: say yours out loud first, then reveal it.
                  答案已隐藏：先把你的回答说出来，再揭晓。
score             Score: {right}/{asked}
                  得分：{right}/{asked}
score_share       Score: {right}/{asked} ({share:.0%})
                  得分：{right}/{asked}（{share:.0%}）
reveal_button     Reveal answer
                  显示答案
right_button      I got it right
                  我答对了
wrong_button      I got it wrong
                  我答错了
cards_done        All cards done.
                  全部卡片已完成。
cards_review      To review:
                  需要复习：
quiz_intro        {count} question(s) · topic: {topic} · difficulty: {difficulty} · seed {seed}
                  共 {count} 题 · 主题：{topic} · 难度：{difficulty} · 随机种子 {seed}
quiz_how          Answer aloud or on paper, press Enter to see a strong answer, then mark yourself.
                  先说出你的回答（出声或写下来），按回车查看参考答案，再给自己判分。
quiz_stop         Type q to stop at any time; Ctrl-C stops too.
                  随时输入 q 结束；按 Ctrl-C 也可以结束。
quiz_reveal       Press Enter to see the answer (q to stop):
                  按回车查看答案（输入 q 结束）：
quiz_mark         Did you get it right? [y/n, q to stop]:
                  你答对了吗？[y/n，输入 q 结束]：
quiz_bad          Please type y or n (or q to stop); you typed {got!r}.
                  请输入 y 或 n（或输入 q 结束）；你输入的是 {got!r}。
quiz_done         All questions answered. {score}
                  全部答完。{score}
quiz_quit         Stopped. {score}
                  已结束。{score}
quiz_eof          Input ended. {score}
                  输入已结束。{score}
quiz_interrupted  Interrupted. {score}
                  已中断。{score}
quiz_review       To review (question → where the evidence is):
                  需要复习（问题 → 证据所在位置）：
"""


def check_lang(lang: str) -> str:
    """``lang`` if it is one of ``LANGS``, else a ValueError naming the argument."""
    return check_choice("lang", lang, LANGS)


def parse_words(table: str) -> dict[str, dict[str, str]]:
    """A table of words (see ``_TABLE``) -> ``{"en": {key: text}, "zh": {key: text}}``.

    A ValueError names the first entry that is malformed: a key without its English text or
    without its indented Chinese line below, a text in the wrong language, a repeated key."""
    words: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    lines = [line for line in table.splitlines() if line.strip()]
    for english_line, chinese_line in itertools.zip_longest(lines[::2], lines[1::2],
                                                            fillvalue=""):
        key, _, english = english_line.partition(" ")
        english, chinese = english.strip(), chinese_line.strip()
        if (english_line[:1].isspace() or not chinese_line[:1].isspace() or not english
                or CHINESE.search(english) or not CHINESE.search(chinese)):
            raise ValueError(f"table: entry {key.strip()!r}: expected 'key English text' and, "
                             f"indented on the next line, its Chinese text; got "
                             f"{english_line!r} and {chinese_line!r}")
        if key in words["en"]:
            raise ValueError(f"table: entry {key!r} appears twice")
        words["en"][key], words["zh"][key] = english, chinese
    return words


WORDS = parse_words(_TABLE)
