"""The course as a whole: notebook 00's environment check, and the book and slide decks.

    environment   is this the environment the course was tested with? (notebook 00)
    book          every notebook executed into HTML pages or reveal.js slides
"""
