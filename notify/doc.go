// Package notify turns superd's service state changes into events and
// delivers them to notifiers.
//
// An [Event] (start, exit, restart, stop, fatal, exec-failed, reload, create, update,
// delete, config-error, log-error, log-resumed; schema in EVENTS.md) is built with
// [NewEvent], which fills its id, time and host.
// A [Notifier] delivers one event to one destination; [Webhook] is the
// first, POSTing the event as JSON following the Standard Webhooks
// specification (signed with HMAC-SHA256, retried with backoff, refusing
// link-local and optionally private addresses at connect time). Mail,
// Slack or WeCom would each be one more Notifier. A [Filter] selects the
// events a notifier wants.
//
// A [Queue] puts a bounded in-memory queue and one worker goroutine in
// front of a Notifier, so that the caller (the supervisor) never waits on
// the network: Enqueue never blocks and drops the oldest event when full.
//
// The package is plain Go: it imports neither protoactor nor any other
// package of this module.
package notify
