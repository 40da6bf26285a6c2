import Testing

// The BigQuery destination's tests land here.
