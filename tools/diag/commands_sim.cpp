// sim faults list | inject | clear: the simulator's fault injection through rfneedled
// (POST /service/sim/faults, SR-77). The simulator answers with its own JSON line; the CLI
// reads it into diag_output.proto's SimFaultCatalogue and SimFaultChange, so --json prints
// the same mapping as every other command.
#include <google/protobuf/struct.pb.h>

#include <sstream>

#include "tools/diag/command_context.h"
#include "tools/diag/diag_output.pb.h"

namespace rfneedle::diag {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// A parameter's default as the simulator's catalogue gives it: 30, 0.2, -1.5.
std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

Failure not_understood(const std::string& what, const std::string& reply) {
  return Failure(Exit::kRefused, "the simulator's reply is not what docs/simulator.md says (" +
                                     what + "): " + reply.substr(0, 200));
}

const Value* member(const Struct& s, const char* key) {
  const auto it = s.fields().find(key);
  return it == s.fields().end() ? nullptr : &it->second;
}

std::string text_of(const Struct& s, const char* key, const std::string& reply) {
  const Value* v = member(s, key);
  if (v == nullptr || !v->has_string_value()) throw not_understood(key, reply);
  return v->string_value();
}

double number_of(const Struct& s, const char* key, const std::string& reply) {
  const Value* v = member(s, key);
  if (v == nullptr || v->kind_case() != Value::kNumberValue) throw not_understood(key, reply);
  return v->number_value();
}

// The simulator's `faults` answer: {"ok":true,"faults":[{"name","affects","effect",
// "parameters":[{"name","unit","default","min","max"}]}]}.
diag::SimFaultCatalogue catalogue_from(const Struct& reply, const std::string& text) {
  const Value* faults = member(reply, "faults");
  if (faults == nullptr || !faults->has_list_value()) throw not_understood("faults", text);
  diag::SimFaultCatalogue out;
  for (const Value& item : faults->list_value().values()) {
    if (!item.has_struct_value()) throw not_understood("a fault", text);
    const Struct& f = item.struct_value();
    diag::SimFault& fault = *out.add_faults();
    fault.set_name(text_of(f, "name", text));
    fault.set_affects(text_of(f, "affects", text));
    fault.set_effect(text_of(f, "effect", text));
    const Value* parameters = member(f, "parameters");
    if (parameters == nullptr || !parameters->has_list_value()) {
      throw not_understood("parameters", text);
    }
    for (const Value& pv : parameters->list_value().values()) {
      if (!pv.has_struct_value()) throw not_understood("a parameter", text);
      const Struct& p = pv.struct_value();
      diag::SimFaultParameter& parameter = *fault.add_parameters();
      parameter.set_name(text_of(p, "name", text));
      parameter.set_unit(text_of(p, "unit", text));
      parameter.set_default_value(number_of(p, "default", text));
      parameter.set_min(number_of(p, "min", text));
      parameter.set_max(number_of(p, "max", text));
    }
  }
  return out;
}

void print_catalogue(Context& c, const diag::SimFaultCatalogue& catalogue) {
  if (c.options().json) {
    c.json(catalogue);
    return;
  }
  Table t({"FAULT", "AFFECTS", "PARAMETERS", "EFFECT"});
  for (const auto& f : catalogue.faults()) {
    std::string parameters;
    for (const auto& p : f.parameters()) {
      parameters += (parameters.empty() ? "" : " ") + p.name() + "=" + number(p.default_value()) +
                    (p.unit() == "choice" ? "" : p.unit());
    }
    t.add({f.name(), f.affects(), parameters, f.effect()});
  }
  c.data(t.render(c.style()));
}

}  // namespace

Exit run_sim_faults(Context& c) {
  const Options& o = c.options();
  api::SimFaultRequest request;
  diag::SimFaultChange change;
  if (o.command == "sim faults list") {
    request.set_command("faults");
  } else if (o.command == "sim faults inject") {
    std::string line = "inject " + o.fault;
    if (o.for_ms) line += " for=" + std::to_string(*o.for_ms) + "ms";
    for (const auto& p : o.parameters) {
      const auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == p.size() ||
          p.find_first_of(" \t\n") != std::string::npos) {
        throw Failure(Exit::kUsage, "'" + p + "': a fault parameter is PARAM=VALUE");
      }
      line += " " + p;
      change.add_parameters(p);
    }
    request.set_command(line);
    change.set_action("inject");
    change.set_fault(o.fault);
    change.set_for_ms(o.for_ms.value_or(0));
    c.confirm("inject the simulated fault " + o.fault);
  } else {
    request.set_command("clear " + (o.fault.empty() ? std::string("all") : o.fault));
    change.set_action("clear");
    change.set_fault(o.fault.empty() ? "all" : o.fault);
  }
  const auto answer =
      c.post<api::SimFaultResponse>("/api/v1/service/sim/faults", Need::kService, request);
  Struct reply;
  if (!from_json(answer.reply(), reply).empty()) {
    throw Failure(Exit::kRefused, "the simulator's reply is not JSON: " + answer.reply());
  }
  const Value* ok = member(reply, "ok");
  if (ok == nullptr || !ok->bool_value()) {
    const Value* err = member(reply, "error");
    throw Failure(
        Exit::kRefused,
        "the simulator refused: " +
            (err != nullptr && err->has_string_value() ? err->string_value() : answer.reply()));
  }
  if (o.command == "sim faults list") {
    print_catalogue(c, catalogue_from(reply, answer.reply()));
    return Exit::kOk;
  }
  if (change.action() == "inject") {
    // {"ok":true,"injected":"NAME"}: the simulator's name for what it injected.
    change.set_fault(text_of(reply, "injected", answer.reply()));
  } else {
    const double cleared = number_of(reply, "cleared", answer.reply());
    if (cleared < 0) throw not_understood("cleared", answer.reply());
    change.set_cleared(static_cast<std::uint32_t>(cleared));
  }
  if (o.json) {
    c.json(change);
  } else if (change.action() == "inject") {
    c.message("injected " + change.fault());
  } else {
    c.message("cleared " + (o.fault.empty() ? std::string("every fault") : o.fault) + " (" +
              std::to_string(change.cleared()) + " ended)");
  }
  return Exit::kOk;
}

}  // namespace rfneedle::diag
