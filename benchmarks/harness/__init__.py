"""What every scenario shares: statistics, result records, run bounds, the embedded LLM server."""
