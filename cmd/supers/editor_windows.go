package main

// defaultEditor is the editor edit runs when neither $VISUAL nor $EDITOR
// is set.
const defaultEditor = "notepad"
