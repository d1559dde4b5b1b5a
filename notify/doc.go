// Package notify will hold the event notifiers of superd: the webhook
// notifier first, then mail, Slack or WeCom, each behind one small interface
// that delivers one event with a context. It is plain Go: it must not import
// protoactor or any other package of this module, so that it can be tested
// on its own.
//
// It is empty until the events issue lands; see ARCHITECTURE.md.
package notify
