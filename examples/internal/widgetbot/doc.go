// Package widgetbot is the website chat bot the Munin examples share: the
// way botbridge's munin package documents it, in a hundred lines. The
// quickstart drives it through a scripted story; munin-widget-bot serves it
// over HTTP.
//
//   - Hear pushes what the visitor says with munin.WidgetClient, whoever
//     will answer it, so that Munin's humans read the whole conversation;
//     then it answers through the fence of handoff.Controller: Decide,
//     generate the reply, Commit, post.
//   - OnEvent is the callback of munin.NewWebhookHandler, which has checked
//     X-Munin-Signature before calling it: munin.HandoffEvent turns each
//     delivery into what the controller observes.
//   - HumanReplies reads what Munin's humans wrote from the widget feed,
//     because a webhook carries no message body.
package widgetbot
