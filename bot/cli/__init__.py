"""The terminal face: `recap run | summarize | judge | eval | doctor | demo`.

main.py         the parser and the commands' dispatch
common.py       what the commands share: sources from arguments, progress on stderr, made recaps
evaluate.py     `recap judge` and `recap eval`
doctor.py       `recap doctor`
demo.py         `recap demo` (what is said around it: demo_report.py)
"""
