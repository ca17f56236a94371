"""Toast webhooks: signature, payloads, duplicate guard, counters and the receiver."""
