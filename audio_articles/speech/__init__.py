"""Article -> speech: voice profiles, speech-ready text, engines and rendering."""
