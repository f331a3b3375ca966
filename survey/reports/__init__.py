"""Documents made from computed figures: PDF reports (ReportLab) and their fonts.

Like `survey.domain`, this package is pure: it takes plain data (the figures of
`survey.domain.indicators`, already suppressed) and returns bytes. It never reads the
database and never imports Flask (tests/unit/test_architecture.py).
"""
