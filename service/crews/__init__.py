"""The crews' side of closing the loop (issue 15): the "you said, we did" page behind a
revocable link, and the printable handout (HTML for the browser's print, PDF by fpdf2)."""
