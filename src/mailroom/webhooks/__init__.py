"""Sending-provider webhooks: Amazon SES (via SNS), SendGrid, Mailgun and Postmark events."""
