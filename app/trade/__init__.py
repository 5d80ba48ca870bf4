"""The trade-document core that sales and purchasing share: priced lines, settlement, status, balances.

Sales and purchasing keep their own tables; their models take columns and rules from app.trade.models,
their services take the workflows' common steps from here, so a rule is written once for both sides.
"""
