import SyncKit
import Testing
@testable import TikTokAds

/// Reading TikTok's 40002 answer to report metrics it does not accept (docs/retired-metrics.md): the names it lists,
/// or nothing when the message is not that answer or its list cannot be read whole.
struct InvalidMetricFieldsParsingTests {
    static let prefix = "Please correct the information in invalid metric fields and try again. Invalid metric fields: "

    @Test(arguments: [
        // TikTok's answer as quoted in airbytehq/airbyte issue #11375, trailing space included.
        (prefix + "['voucher_spend', 'cash_spend']. ", ["voucher_spend", "cash_spend"]),
        // One name (singer-io/tap-tiktok-ads issue #14).
        (prefix + "['placement']. ", ["placement"]),
        // Without spaces after the commas, with more of them, without the trailing period.
        (prefix + "['a','b' ,  'c']", ["a", "b", "c"]),
        (prefix + "[ 'spend' ]. ", ["spend"]),
        // Names with spaces inside, and Python's other quoting (a name with a single quote).
        (prefix + "['cost per result', \"it's\", 'back\\\\slash']. ", ["cost per result", "it's", "back\\slash"]),
        (prefix + "['it\\'s']. ", ["it's"]),
        // Another client's wrapping around it (PostHog/posthog PR #42830).
        ("TikTok API client error (non-retryable): " + prefix + "['total_complete_payment_value']. (code: 40002)",
         ["total_complete_payment_value"]),
        ("invalid metric fields: ['x']", ["x"]),
    ] as [(String, [String])])
    func theNamesAreReadInOrder(message: String, names: [String]) {
        #expect(ResponseClassifier.invalidMetricFields(in: message) == names)
    }

    @Test(arguments: [
        "metrics: Unknown metric conversions.",
        "Please correct the information in invalid metric fields and try again.",
        prefix + "[]. ",
        prefix + "['']. ",
        prefix + "voucher_spend, cash_spend. ",
        prefix + "['voucher_spend', 'cash_spend'",
        prefix + "['voucher_spend' 'cash_spend']. ",
        prefix + "['voucher_spend', cash_spend]. ",
        prefix + "['unterminated]. ",
        prefix + "['trailing', ]. ",
        prefix + "['dangling\\",
        "",
    ])
    func garbageGivesNoNames(message: String) {
        #expect(ResponseClassifier.invalidMetricFields(in: message) == nil)
    }

    /// The classifier keeps a 40002 a bad request for every caller, and hands the names to whoever knows the request.
    @Test func theClassifierCarriesTheNamesOnABadRequest() throws {
        let body = Array(#"{"code": 40002, "message": "Please correct the information in invalid metric fields and try again. Invalid metric fields: ['voucher_spend', 'cash_spend']. ", "request_id": "1", "data": {}}"#.utf8)
        guard case .fail(let error) = ResponseClassifier.classify(.response(status: 200, body: body), endpoint: "report/integrated/get",
                                                                 advertiserID: "7012") else {
            Issue.record("not a failure")
            return
        }
        #expect(error.kind == .badRequest)
        #expect(error.apiCode == 40002)
        #expect(error.rejectedMetrics == ["voucher_spend", "cash_spend"])
        #expect(error.message.contains("['voucher_spend', 'cash_spend']"))

        let other = Array(#"{"code": 40002, "message": "end_date: The time span must not exceed 30 days.", "data": {}}"#.utf8)
        guard case .fail(let plain) = ResponseClassifier.classify(.response(status: 200, body: other), endpoint: "report/integrated/get",
                                                                 advertiserID: "7012") else {
            Issue.record("not a failure")
            return
        }
        #expect(plain.kind == .badRequest)
        #expect(plain.rejectedMetrics.isEmpty)
    }
}
