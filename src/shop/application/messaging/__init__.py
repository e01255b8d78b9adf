"""Messages to shoppers (email, SMS): queued in the outbox with the change that caused them,
delivered afterwards by a job through the sender each channel is configured with."""
