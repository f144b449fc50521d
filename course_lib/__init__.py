"""course_lib: the tested helpers behind the Faster Image Generation notebooks.

Subpackages read like the syllabus; imports point down only (the import-linter contracts in
``.importlinter`` are checked by the test suite, see CONTRIBUTING.md):

    exercises, publish     checkers and solutions; environment check, book and slides
    interview              notebook 01: question bank, quiz, the live demos behind the answers
    generate, compress     notebooks 05 and 04: digit generators; smaller, faster classifiers
    mnist, shapes          notebooks 03 and 00/02: MNIST and Keras training; images in NumPy
    measure                timing, side-by-side comparisons, machine limits, budgets, results
    config, files, source  the ground floor: quick mode and paths, atomic verified files,
                           showing lesson code in a notebook
    checks                 below them all: every argument check, one convention
"""

__version__ = "0.1.0"
