// An experiment's notes: the user's own Markdown from the experiment file (trusted), rendered to
// HTML by markdown-it in the data loader with raw HTML disabled. Empty without notes.
export function Notes(notesHtml) {
  if (!notesHtml) return "";
  const notes = document.createElement("div");
  notes.className = "notes";
  notes.innerHTML = notesHtml;
  return notes;
}
