"""Business actions of 结对共建, one module per area; each action is atomic and audited."""
