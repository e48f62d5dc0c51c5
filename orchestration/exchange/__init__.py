"""The agreement's two-stage exchange between the police instance and the council instance.

Stage one: the police send an anonymised household list (keyed pseudonyms of UPRNs and the
criteria each household meets); the council matches it to its own households and combines
both sides' criteria. Stage two: for the eligible households the coordinator selects, the
council asks for, and the police answer with, person-level details and evidence.
"""
