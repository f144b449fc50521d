"""Notebooks 00 and 02: images as NumPy arrays, drawn and transformed fast.

    pixels      notebook 00's first comparison: one pixel operation, three ways
    draw        the seed's Pillow function and its bugs, a correct drawer and its pixel rule
    synthetic   a seeded, labelled synthetic data set of shapes, drawn by ``draw``
    ladder      the same circles drawn by every rung of the speed ladder, loops to all cores
"""
