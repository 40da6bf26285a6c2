import Testing

// Tests of the Google Sheets API fake (and, later, the Sheets destination) land here.
