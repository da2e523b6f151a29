"""Anonymous collection: the responder's survey page, single-use submission, scrubbing on close."""
