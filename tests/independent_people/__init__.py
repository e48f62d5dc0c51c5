"""An independent check on person linkage: people and errors written apart from the synth city.

Nothing here is derived from orchestration/synth or orchestration/linkage: its own name lists,
its own error kinds and rates, so a model that scores well here has not been tuned to the
city generator's habits.
"""
