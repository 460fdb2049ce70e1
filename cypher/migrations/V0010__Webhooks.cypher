// Webhooks and their deliveries (services/webhooks.py). A delivery is keyed by its webhook and the
// event it carries, so workers enqueueing the same committed event at once create it once.
CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (w:Webhook) REQUIRE w.id IS UNIQUE;
CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE d.deliveryId IS UNIQUE;
CREATE CONSTRAINT webhook_delivery_event IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE (d.webhookId, d.eventKey) IS UNIQUE;
CREATE INDEX webhook_delivery_due IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.pending, d.nextAttemptAt);
