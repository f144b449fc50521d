"""The course as a whole: notebook 00's environment check, the book and slide decks, translations.

    environment   is this the environment the course was tested with? (notebook 00)
    book          every notebook executed into self-contained HTML pages or reveal.js slides
    cleaning      what a class sees: no C++ log lines, widgets drawn as static HTML
    translation   the notebooks in another language, built from translation files
"""
