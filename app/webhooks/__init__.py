"""Webhooks: endpoints the owner registers, an outbox written with each change, signed delivery with retries."""
