"""Files attached to documents: storage, versions, downloads and the text inside them."""
