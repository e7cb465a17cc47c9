//! Drift: how a live answer differs from the recorded answer to the same request (`replay`,
//! D31). A live API's data is its own (other names, ids, times), so values are compared
//! only where the mock's decisions predict them from the request; everywhere else only the
//! shape is: the status, each field's presence and its JSON type. Each finding names the
//! decision the live API contradicts, where one says what the recording shows.

use serde_json::{Map, Value};

use crate::api::operation::{Operation, OperationId};
use crate::contract::capture::{AnswerBody, Observed};
use crate::contract::report::{Finding, Side};

/// The drift between `recorded` and `live`: the same request (the live one with the ids a
/// replay created mapped in), each with its answer. Nothing when they agree.
pub(crate) fn drift(recorded: &Observed, live: &Observed) -> Vec<Finding> {
    let operation = recorded.operation().map(|(operation, _)| operation);
    let answer = |observed: &Observed| {
        (observed.response_body.as_ref()).map_or(Value::Null, AnswerBody::value)
    };
    let (was, is) = (answer(recorded), answer(live));
    let mut found = Vec::new();
    if recorded.status != live.status {
        // A key the live API does not know fails every request: say where to look.
        let hint = if live.status == 401 {
            " (is --key a key of the live API?)"
        } else {
            ""
        };
        found.push(drifted(
            "",
            "status",
            format!(
                "the status was {} when recorded, {} live{hint}",
                recorded.status, live.status
            ),
            status_decision(recorded, operation, &was, live.status),
        ));
        // Answers of two statuses are two kinds of body: there is no more to compare.
        return found;
    }
    let error = recorded.status >= 400;
    let decide = |pointer: &str| body_decision(operation, error, pointer);
    shape(&was, &is, &mut String::new(), &decide, &mut found);
    if error {
        same_value(&was, &is, "/code", Some("D1"), &mut found);
    } else if let Some(operation) = operation {
        predicted(operation, recorded, live, &was, &is, &mut found);
    }
    found
}

/// A drift finding: always about the response.
fn drifted(pointer: &str, kind: &str, message: String, decision: Option<&'static str>) -> Finding {
    Finding {
        side: Side::Response,
        pointer: pointer.to_owned(),
        message,
        keyword: format!("drift-{kind}"),
        decision,
    }
}

/// Where `was` and `is` differ in shape, under `pointer`: a field missing or extra, or of
/// another JSON type. `null` matches any type (an unset optional field is data); an array's
/// items are compared by their first, since the live API's items are other records.
fn shape(
    was: &Value,
    is: &Value,
    pointer: &mut String,
    decide: &dyn Fn(&str) -> Option<&'static str>,
    found: &mut Vec<Finding>,
) {
    match (was, is) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(was), Value::Object(is)) => fields(was, is, pointer, decide, found),
        (Value::Array(was), Value::Array(is)) => {
            if let (Some(was), Some(is)) = (was.first(), is.first()) {
                let length = pointer.len();
                pointer.push_str("/0");
                shape(was, is, pointer, decide, found);
                pointer.truncate(length);
            }
        }
        (was, is) if kind(was) != kind(is) => found.push(drifted(
            pointer,
            "type",
            format!("{} when recorded, {} live", kind(was), kind(is)),
            decide(pointer),
        )),
        _ => {}
    }
}

/// [`shape`] of two objects, field by field.
fn fields(
    was: &Map<String, Value>,
    is: &Map<String, Value>,
    pointer: &mut String,
    decide: &dyn Fn(&str) -> Option<&'static str>,
    found: &mut Vec<Finding>,
) {
    let length = pointer.len();
    for (name, value) in was {
        push_token(pointer, name);
        match is.get(name) {
            Some(live) => shape(value, live, pointer, decide, found),
            None => found.push(drifted(
                pointer,
                "missing",
                format!("recorded as {}, missing live", kind(value)),
                decide(pointer),
            )),
        }
        pointer.truncate(length);
    }
    for (name, value) in is.iter().filter(|(name, _)| !was.contains_key(*name)) {
        push_token(pointer, name);
        found.push(drifted(
            pointer,
            "extra",
            format!("not recorded, {} live", kind(value)),
            decide(pointer),
        ));
        pointer.truncate(length);
    }
}

/// Appends `/name` to `pointer`, escaped as RFC 6901 says.
fn push_token(pointer: &mut String, name: &str) {
    pointer.push('/');
    pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
}

/// The JSON type of `value`, as a person reads it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value drift at `pointer` when both answers have a value there and they differ.
fn same_value(
    was: &Value,
    is: &Value,
    pointer: &str,
    decision: Option<&'static str>,
    found: &mut Vec<Finding>,
) {
    if let (Some(was), Some(is)) = (was.pointer(pointer), is.pointer(pointer))
        && !was.is_null()
        && !is.is_null()
        && was != is
    {
        found.push(drifted(
            pointer,
            "value",
            format!("{was} when recorded, {is} live"),
            decision,
        ));
    }
}

/// The values the decisions predict from a successful request: a field an update or a
/// create sent comes back as sent (D8, D20), a create's `status` defaults to `new` (D20),
/// a delete's or resubscribe's message is the documented one (D20, D21).
fn predicted(
    operation: &Operation,
    recorded: &Observed,
    live: &Observed,
    was: &Value,
    is: &Value,
    found: &mut Vec<Finding>,
) {
    let decision = match operation.id {
        OperationId::UpdateContact => "D8",
        OperationId::CreateContact => "D20",
        OperationId::DeleteContact => return same_value(was, is, "/message", Some("D20"), found),
        OperationId::Resubscribe => return same_value(was, is, "/message", Some("D21"), found),
        _ => return,
    };
    let sent = |observed: &Observed| {
        serde_json::from_slice::<Map<String, Value>>(&observed.request_body).unwrap_or_default()
    };
    let (sent_then, sent_now) = (sent(recorded), sent(live));
    for (name, value) in &sent_now {
        let as_sent = |answer: &Value, value: &Value| match (name.as_str(), answer.get(name)) {
            ("tags", Some(Value::Array(tags))) => {
                let names: Vec<_> = tags.iter().map(|tag| &tag["name"]).collect();
                value.as_array().is_some_and(|sent| sent.iter().eq(names))
            }
            (_, Some(answered)) => answered == value,
            (_, None) => false,
        };
        let scalar = value.is_string() || value.is_boolean() || name == "tags";
        if scalar
            && sent_then.get(name).is_some_and(|then| as_sent(was, then))
            && !as_sent(is, value)
        {
            let pointer = format!("/{name}");
            let live_value = is.get(name).map_or("nothing".to_owned(), Value::to_string);
            found.push(drifted(
                &pointer,
                "value",
                format!("sent {value}, recorded as sent, {live_value} live"),
                Some(decision),
            ));
        }
    }
    if operation.id == OperationId::CreateContact
        && !sent_now.contains_key("status")
        && was.get("status").and_then(Value::as_str) == Some("new")
    {
        same_value(was, is, "/status", Some("D20"), found);
    }
}

/// The decision a status other than the recorded one contradicts.
fn status_decision(
    recorded: &Observed,
    operation: Option<&Operation>,
    was: &Value,
    live: u16,
) -> Option<&'static str> {
    if recorded.method == "OPTIONS" {
        return Some("D14");
    }
    let code = was.get("code").and_then(Value::as_str).unwrap_or("");
    let id = operation.map(|operation| operation.id);
    Some(match (recorded.status, code) {
        _ if live == 401 => "D4",
        (404, _) if live == 403 => "D5",
        (400, "empty_body") => "D6",
        (400, "project_required") | (403, _) => "D4",
        (409, "email_taken") if id == Some(OperationId::UpdateContact) => "D10",
        (409, "email_taken") => "D20",
        (404, "segment_not_found") => "D29",
        (409, "list_exists") => "D28",
        (400..=499, _) => "D2",
        (200..=299, _) => return operation.and_then(family),
        _ => return None,
    })
}

/// The decision that fixes the shape of `operation`'s success body at `pointer`, or of
/// every problem body (D1).
fn body_decision(
    operation: Option<&Operation>,
    error: bool,
    pointer: &str,
) -> Option<&'static str> {
    if error {
        return Some("D1");
    }
    let operation = operation?;
    if operation.id == OperationId::ListContacts && !pointer.starts_with("/contacts/") {
        return Some("D19");
    }
    family(operation)
}

/// The decision that covers the resource `operation` works on.
fn family(operation: &Operation) -> Option<&'static str> {
    use OperationId::*;
    Some(match operation.id {
        GetContact | UpdateContact | ListContacts => "D12",
        CreateContact | DeleteContact => "D20",
        ListUnsubscribes | Unsubscribe | Resubscribe => "D21",
        ListTags | CreateTag | UpdateTag | DeleteTag | AttachTag | DetachTag | GetCustomFields
        | MergeCustomFields => "D18",
        ListLists | CreateList | GetList | UpdateList | DeleteList | ListMembers | AddMember
        | RemoveMember => "D28",
        ListSegments | CreateSegment | GetSegment | UpdateSegment | DeleteSegment => "D29",
        BulkImport => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const JANE: &str = "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890";

    fn contact() -> Value {
        json!({"id": "a1", "name": "Jane", "status": "inactive", "mobile": null,
               "tags": [{"id": "t1", "name": "VIP", "color": null}],
               "updated_at": "2025-06-15T14:30:00.000Z"})
    }

    /// The recorded exchange and its live twin with `status` and `answer`.
    fn pair(
        method: &str,
        path: &str,
        sent: Value,
        recorded: (u16, Value),
        live: (u16, Value),
    ) -> Vec<Finding> {
        let was = Observed::answered(method, path, sent.clone(), recorded.0, recorded.1);
        let is = Observed::answered(method, path, sent, live.0, live.1);
        drift(&was, &is)
    }

    fn summary(found: &[Finding]) -> Vec<(&str, &str, Option<&str>)> {
        found
            .iter()
            .map(|f| (f.pointer.as_str(), f.keyword.as_str(), f.decision))
            .collect()
    }

    #[test]
    fn the_same_answer_with_other_data_is_no_drift() {
        let mut live = contact();
        live["id"] = json!("b2");
        live["name"] = json!("Someone else");
        live["mobile"] = json!("+1 555");
        live["tags"] = json!([{"id": "t9", "name": "VIP", "color": "#fff"}]);
        let found = pair(
            "PATCH",
            JANE,
            json!({"status": "inactive"}),
            (200, contact()),
            (200, live),
        );
        assert_eq!(found, []);
    }

    #[test]
    fn a_missing_field_a_string_tag_and_an_extra_field_are_shape_drift_of_d12() {
        let mut live = contact();
        live.as_object_mut().unwrap().remove("updated_at");
        live["tags"] = json!(["VIP"]);
        live["deleted"] = json!(false);
        let found = pair("GET", JANE, Value::Null, (200, contact()), (200, live));
        assert_eq!(
            summary(&found),
            [
                ("/tags/0", "drift-type", Some("D12")),
                ("/updated_at", "drift-missing", Some("D12")),
                ("/deleted", "drift-extra", Some("D12")),
            ]
        );
        assert_eq!(found[0].message, "an object when recorded, a string live");
    }

    #[test]
    fn another_status_is_one_drift_naming_the_decision() {
        let problem = json!({"code": "validation_failed", "errors": []});
        let found = pair(
            "PATCH",
            JANE,
            json!({"statsu": "x"}),
            (422, problem),
            (400, json!({"error": "bad request"})),
        );
        assert_eq!(summary(&found), [("", "drift-status", Some("D2"))]);
        assert_eq!(
            found[0].message,
            "the status was 422 when recorded, 400 live"
        );
        let found = pair(
            "GET",
            JANE,
            Value::Null,
            (404, json!({"code": "contact_not_found"})),
            (403, json!({"code": "forbidden"})),
        );
        assert_eq!(summary(&found), [("", "drift-status", Some("D5"))]);
        let found = pair("GET", JANE, Value::Null, (200, contact()), (401, json!({})));
        assert_eq!(summary(&found), [("", "drift-status", Some("D4"))]);
        assert!(
            found[0]
                .message
                .ends_with("(is --key a key of the live API?)")
        );
    }

    #[test]
    fn a_sent_value_not_kept_and_another_problem_code_are_value_drift() {
        let mut live = contact();
        live["status"] = json!("active");
        let found = pair(
            "PATCH",
            JANE,
            json!({"status": "inactive"}),
            (200, contact()),
            (200, live),
        );
        assert_eq!(summary(&found), [("/status", "drift-value", Some("D8"))]);
        assert_eq!(
            found[0].message,
            r#"sent "inactive", recorded as sent, "active" live"#
        );
        let found = pair(
            "PATCH",
            JANE,
            json!({"email": "taken@example.com"}),
            (409, json!({"code": "email_taken"})),
            (409, json!({"code": "conflict"})),
        );
        assert_eq!(summary(&found), [("/code", "drift-value", Some("D1"))]);
    }

    #[test]
    fn tags_sent_by_name_come_back_by_name_in_order() {
        let sent = json!({"tags": ["VIP"]});
        let mut live = contact();
        live["tags"] = json!([{"id": "t2", "name": "Lead", "color": null}]);
        let found = pair("PATCH", JANE, sent, (200, contact()), (200, live));
        assert_eq!(summary(&found), [("/tags", "drift-value", Some("D8"))]);
    }
}
