"""Optional stronger backends, all off by default: an LLM judge (`llm`) and an image hook (`image`)."""
