import Foundation

/// OAuth, advertiser and user endpoints.
extension SimulatorCore {
    typealias Outcome = (status: Int, code: Int?, response: SimulatedResponse)

    func accessToken(_ request: APIRequest) -> Outcome {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return errorOutcome(.invalid("body", "Request body must be a JSON object."), request)
        }
        for name in ["app_id", "secret", "auth_code"] {
            guard let v = object[name] as? String, !v.isEmpty else {
                return errorOutcome(.missing(name), request)
            }
        }
        guard object["app_id"] as? String == options.appId, object["secret"] as? String == options.secret else {
            return errorOutcome(APIError(code: 40001, message: "The app_id or secret is invalid."), request)
        }
        let code = object["auth_code"] as? String ?? ""
        guard oauth.redeem(code, now: request.now) == .redeemed else {
            // TikTok gives one answer whether the code is unknown, used or expired.
            return errorOutcome(APIError(code: 40110, message: "The auth_code is invalid or has expired."), request)
        }
        // The configured code yields the configured token (scripts rely on it); a code from the portal, a new token.
        let token = code == options.authCode ? options.accessToken : oauth.issueToken()
        return success(request) { w in
            w.raw("{\"access_token\":")
            w.string(token)
            w.raw(",\"advertiser_ids\":[")
            for i in 0..<model.grantedCount {
                if i > 0 { w.byte(44) }
                w.quotedInt(Int64(bitPattern: model.codec.encode(.advertiser, advertiser: i, entity: 0)))
            }
            w.raw("],\"scope\":[4,10,30,51,200,210,220,700,800,802]}")
        }
    }

    /// `oauth2/revoke_token/`: the token stops working on every endpoint.
    func revokeToken(_ request: APIRequest) -> Outcome {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return errorOutcome(.invalid("body", "Request body must be a JSON object."), request)
        }
        for name in ["app_id", "secret", "access_token"] {
            guard let v = object[name] as? String, !v.isEmpty else { return errorOutcome(.missing(name), request) }
        }
        guard object["app_id"] as? String == options.appId, object["secret"] as? String == options.secret else {
            return errorOutcome(APIError(code: 40001, message: "The app_id or secret is invalid."), request)
        }
        guard oauth.revoke(object["access_token"] as? String ?? "") else { return errorOutcome(.badToken, request) }
        return success(request) { w in w.raw("{}") }
    }

    func oauthAdvertisers(_ request: APIRequest) -> Outcome {
        success(request) { w throws(APIError) in
            if options.sandbox {
                throw APIError(code: 40001, message: "oauth2/advertiser/get is not available for sandbox tokens; use the sandbox advertiser id from the developer portal.")
            }
            let appId = try request.query.required("app_id")
            let secret = try request.query.required("secret")
            guard appId == options.appId, secret == options.secret else {
                throw APIError(code: 40001, message: "The app_id is inconsistent with the token's app information.")
            }
            w.raw("{\"list\":[")
            for i in 0..<model.grantedCount {
                let a = model.advertiser(i)
                if i > 0 { w.byte(44) }
                w.raw("{\"advertiser_id\":")
                w.quotedInt(Int64(bitPattern: a.id))
                w.raw(",\"advertiser_name\":")
                w.string(a.name)
                w.raw("}")
            }
            w.raw("]}")
        }
    }

    static let advertiserFields = [
        "advertiser_id", "name", "company", "status", "role", "rejection_reason", "timezone", "display_timezone",
        "currency", "balance", "create_time", "industry", "address", "country", "language", "license_no",
        "license_url", "description", "contacter", "email", "cellphone_number", "telephone_number", "owner_bc_id",
        "advertiser_account_type", "company_name_editable", "can_use_custom_identity", "ads_only_mode",
    ]

    func advertiserInfo(_ request: APIRequest) -> Outcome {
        success(request) { w throws(APIError) in
            guard let ids = try request.query.stringArray("advertiser_ids") else { throw .missing("advertiser_ids") }
            guard !ids.isEmpty, ids.count <= 100 else {
                throw .invalid("advertiser_ids", "Length must be between 1 and 100.")
            }
            var fields = try request.query.stringArray("fields")
                ?? SimulatorCore.advertiserFields.filter { $0 != "company_name_editable" }
            for f in fields where !SimulatorCore.advertiserFields.contains(f) {
                throw .invalid("fields", "Unknown field \(f). Allowed values: \(SimulatorCore.advertiserFields.joined(separator: ", ")).")
            }
            if fields.contains("company_name_editable") { fields = ["advertiser_id", "company_name_editable"] }
            var indices: [Int] = []
            for id in ids { indices.append(try grantedAdvertiser(id: id, parameter: "advertiser_ids")) }
            w.raw("{\"list\":[")
            for (n, i) in indices.enumerated() {
                let a = model.advertiser(i)
                if n > 0 { w.byte(44) }
                w.byte(123)
                for (k, f) in fields.enumerated() {
                    if k > 0 { w.byte(44) }
                    w.key(f)
                    switch f {
                    case "advertiser_id": w.quotedInt(Int64(bitPattern: a.id))
                    case "name": w.string(a.name)
                    case "company": w.string(a.company)
                    case "status": w.raw("\"STATUS_ENABLE\"")
                    case "role": w.raw("\"ROLE_ADVERTISER\"")
                    case "timezone", "display_timezone": w.string(a.region.timezone)
                    case "currency": w.string(a.region.currency)
                    case "balance": w.fixed(a.balanceCents, decimals: 2)
                    case "create_time": w.int(a.createTime)
                    case "industry": w.string(a.industry)
                    case "address": w.string("\(a.index + 1)** Ma****et")
                    case "country": w.string(a.region.country)
                    case "language": w.raw("\"en\"")
                    case "contacter": w.raw("\"Si****er\"")
                    case "email": w.raw("\"si****@example.com\"")
                    case "cellphone_number": w.raw("\"+1****5678\"")
                    case "advertiser_account_type": w.raw("\"AUCTION\"")
                    case "company_name_editable": w.bool(false)
                    case "can_use_custom_identity", "ads_only_mode": w.bool(false)
                    default: w.raw("\"\"")
                    }
                }
                w.byte(125)
            }
            w.raw("]}")
        }
    }

    func userInfo(_ request: APIRequest) -> Outcome {
        success(request) { w in
            w.raw("{\"core_user_id\":")
            w.quotedInt(Int64(bitPattern: model.codec.encode(.advertiser, advertiser: 999_999, entity: 1) % 10_000_000_000_000_000 + 6_000_000_000_000_000_000))
            w.raw(",\"display_name\":\"Sim User\",\"email\":\"sim.user@example.com\",\"avatar_url\":\"\",\"create_time\":")
            w.int(model.base - Int64(model.historyDays + 60) * CivilTime.secondsPerDay)
            w.raw("}")
        }
    }
}
