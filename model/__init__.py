"""Features, the self-describing artifact, and the Scorer. The shipped default model is in default/."""
