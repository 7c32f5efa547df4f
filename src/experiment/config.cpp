// The configuration of `deeprg run`: one table of key descriptors (dotted key, help, source of
// the default, a typed binding to the ExperimentConfig field, and the key's own check) drives
// config_keys(), TOML and --set input, validate(), to_json() and to_toml(), so a key is written
// once and cannot be forgotten by one of them.
#include "deeprg/experiment/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "deeprg/core/error.hpp"
#include "deeprg/core/matmul.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/memory.hpp"
#include "deeprg/rbm/dbn_ops.hpp"

namespace deeprg::experiment {
namespace {

using C = ExperimentConfig;

// The typed bindings. size_t and uint64_t are the same type on LP64, so each kind gets its own
// wrapper rather than a bare member pointer in the variant.
struct IntField {
  int C::*member;
};
struct SizeField {
  std::size_t C::*member;
};
struct U64Field {
  std::uint64_t C::*member;
};
struct DoubleField {
  double C::*member;
};
struct BoolField {
  bool C::*member;
};
struct StringField {
  std::string C::*member;
  std::vector<std::string> allowed;  // empty: any string
};
struct SizeListField {
  std::vector<std::size_t> C::*member;  // every element ≥ 1
};
using Field =
    std::variant<IntField, SizeField, U64Field, DoubleField, BoolField, StringField, SizeListField>;

/// The key's own range check beyond its type: "" when the value is fine, else the message.
using Check = std::string (*)(const C&);

struct KeyDescriptor {
  ConfigKey info;
  Field field;
  Check check = nullptr;
};

// The largest integer a TOML document holds; larger unsigned values could not round-trip.
constexpr std::uint64_t kTomlMax =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

std::string format_double(double x) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);  // shortest round trip
  std::string s(buffer, result.ptr);
  // "1" would read back as a TOML integer; keep doubles visibly doubles.
  if (std::isfinite(x) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

template <class T>
std::string str(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    return format_double(value);
  } else {
    return std::to_string(value);
  }
}

// Where the defaults come from. The paper (Mehta & Schwab, arXiv:1410.3831 §V) states the
// system, the sample count and the architecture but not the epochs, batch size, CD order or
// learning rate: deeprg's paper preset chooses those in the ranges of Hinton's practical guide
// (UTML TR 2010-003), which also fills in the rest both leave open.
constexpr const char* kPaper = "Mehta & Schwab 2014 §V";
constexpr const char* kPreset = "deeprg paper preset, within Hinton 2010; not stated in the paper";
constexpr const char* kDeeprg = "deeprg";

const std::vector<KeyDescriptor>& descriptors() {
  static const std::vector<KeyDescriptor> table = [] {
    std::vector<KeyDescriptor> t;
    auto add = [&t](std::string key, std::string help, std::string source, Field field,
                    Check check = nullptr) {
      t.push_back(
          {ConfigKey{std::move(key), std::move(help), std::move(source)}, std::move(field), check});
    };

    // [lattice]
    add("lattice.L", "side of the periodic square lattice; even, >= 4, so 2x2 blocks tile it",
        std::string(kPaper) + ": 40x40", IntField{&C::L}, [](const C& c) -> std::string {
          if (c.L < 4 || c.L % 2 != 0)
            return "must be even and >= 4 (block spins of side 2 must tile the lattice), got " +
                   str(c.L);
          const auto side = static_cast<std::size_t>(c.L);
          return io::memory_shortfall(io::Bytes::product({side, side, 1 + sizeof(float)}),
                                      "one " + str(c.L) + "x" + str(c.L) + " sample");
        });
    add("lattice.K",
        "coupling K = J/T of the 2D Ising model (K_c = 0.4407; 0.408 is T = 2.45 > T_c)",
        std::string(kPaper) + ": J = 0.408", DoubleField{&C::K}, [](const C& c) -> std::string {
          if (!(c.K > 0))
            return "must be > 0 (a ferromagnet at finite temperature), got " + str(c.K);
          return {};
        });

    // [sampling]
    add("sampling.samples", "independent equilibrium configurations to train on",
        std::string(kPaper) + ": 20,000 samples", SizeField{&C::samples},
        [](const C& c) -> std::string {
          if (c.samples < 2) return "must be >= 2, got " + str(c.samples);
          if (c.samples < c.batch_size)
            return "must be >= train.batch_size (" + str(c.batch_size) + "), got " + str(c.samples);
          // int8 spins and the float copy the first layer trains on.
          const auto side = static_cast<std::size_t>(std::max(c.L, 0));
          return io::memory_shortfall(
              io::Bytes::product({c.samples, side, side, 1 + sizeof(float)}),
              str(c.samples) + " samples of " + str(c.L) + "x" + str(c.L) + " spins");
        });
    add("sampling.algorithm",
        "Monte Carlo sampler: wolff | swendsen-wang | metropolis (all exact in distribution)",
        std::string(kDeeprg) + ": the paper names no sampler; Wolff decorrelates fastest near T_c",
        StringField{&C::algorithm, {"wolff", "swendsen-wang", "metropolis"}});

    // [dbn]
    add("dbn.hidden", "hidden layer sizes of the deep belief network, bottom up (visible = L*L)",
        std::string(kPaper) + ": 1600-400-100-25", SizeListField{&C::hidden},
        [](const C& c) -> std::string {
          if (c.hidden.empty()) return "must list at least one hidden layer";
          if (c.hidden.size() > kMaxLayers)
            return "at most " + str(kMaxLayers) + " hidden layers, got " + str(c.hidden.size());
          for (const std::size_t n : c.hidden)
            if (n > rbm::kMaxHiddenUnits)
              return "at most " + str(rbm::kMaxHiddenUnits) + " units per layer, got " + str(n);
          const std::size_t visible = static_cast<std::size_t>(std::max(c.L, 0));
          return rbm::training_memory_shortfall(c.samples, c.batch_size, visible * visible,
                                                c.hidden);
        });
    add("dbn.visible_units", "visible unit values: bernoulli ({0,1}) | spin ({-1,+1})", kDeeprg,
        StringField{&C::visible_units, {"bernoulli", "spin"}});
    add("dbn.hidden_units", "hidden unit values: bernoulli ({0,1}) | spin ({-1,+1})", kDeeprg,
        StringField{&C::hidden_units, {"bernoulli", "spin"}});
    add("dbn.propagate",
        "data for the next layer: mean-field (hidden probabilities) | samples (binary draws)",
        kDeeprg, StringField{&C::propagate, {"mean-field", "samples"}});

    // [train]
    add("train.epochs", "training epochs per layer", kPreset, IntField{&C::epochs},
        [](const C& c) -> std::string {
          if (c.epochs < 1) return "must be >= 1, got " + str(c.epochs);
          return {};
        });
    add("train.batch_size", "samples per gradient step", kPreset, SizeField{&C::batch_size},
        [](const C& c) -> std::string {
          if (c.batch_size < 1) return "must be >= 1, got " + str(c.batch_size);
          return {};
        });
    add("train.cd_k", "Gibbs steps k of contrastive divergence CD-k", kPreset, IntField{&C::cd_k},
        [](const C& c) -> std::string {
          if (c.cd_k < 1) return "must be >= 1, got " + str(c.cd_k);
          return {};
        });
    add("train.persistent", "persistent chains (PCD) instead of restarting from the data (CD)",
        kPreset, BoolField{&C::persistent});
    add("train.learning_rate", "step size of the gradient updates", kPreset,
        DoubleField{&C::learning_rate}, [](const C& c) -> std::string {
          if (!(c.learning_rate >= 0)) return "must be >= 0, got " + str(c.learning_rate);
          return {};
        });
    add("train.momentum", "momentum for the first train.momentum_switch epochs",
        "Hinton 2010 guide §9", DoubleField{&C::momentum}, [](const C& c) -> std::string {
          if (!(c.momentum >= 0 && c.momentum < 1))
            return "must be in [0, 1), got " + str(c.momentum);
          return {};
        });
    add("train.final_momentum", "momentum after train.momentum_switch epochs",
        "Hinton 2010 guide §9", DoubleField{&C::final_momentum}, [](const C& c) -> std::string {
          if (!(c.final_momentum >= 0 && c.final_momentum < 1))
            return "must be in [0, 1), got " + str(c.final_momentum);
          return {};
        });
    add("train.momentum_switch", "epoch at which train.momentum gives way to train.final_momentum",
        "Hinton 2010 guide §9; 5 epochs as in Hinton & Salakhutdinov 2006's code",
        IntField{&C::momentum_switch}, [](const C& c) -> std::string {
          if (c.momentum_switch < 0) return "must be >= 0, got " + str(c.momentum_switch);
          return {};
        });
    add("train.l1", "L1 penalty on the weights (makes receptive fields local)",
        "Mehta & Schwab 2014: 2e-4 per sample of a 100-sample batch = 2e-2 per batch mean "
        "(docs/experiment.md)",
        DoubleField{&C::l1}, [](const C& c) -> std::string {
          if (!(c.l1 >= 0)) return "must be >= 0, got " + str(c.l1);
          return {};
        });
    add("train.l2", "L2 penalty (weight decay) on the weights", kPaper + std::string(": L1 only"),
        DoubleField{&C::l2}, [](const C& c) -> std::string {
          if (!(c.l2 >= 0)) return "must be >= 0, got " + str(c.l2);
          return {};
        });
    add("train.init_std", "standard deviation of the initial weights, N(0, init_std^2)",
        "Hinton 2010 guide §8", DoubleField{&C::init_std}, [](const C& c) -> std::string {
          if (!(c.init_std >= 0)) return "must be >= 0, got " + str(c.init_std);
          return {};
        });

    add("train.precision",
        "arithmetic of the training products: fp32, bf16 (operands rounded to bfloat16, fp32 "
        "sums) or auto (bf16 where the CPU multiplies it natively and a layer's data are spin "
        "states; fp32 for layers trained on probabilities)",
        kDeeprg + std::string(": auto; bf16 finds the same fields as fp32 (docs/experiment.md)"),
        StringField{&C::precision, {"auto", "fp32", "bf16"}}, [](const C& c) -> std::string {
          if (c.precision == "bf16" && !native_bf16())
            return "bf16 needs a CPU with AVX-512 BF16 and deeprg built with oneDNN (here: " +
                   matmul_kernel() + "); use fp32 or auto";
          return {};
        });

    // [analysis]
    add("analysis.rf_fraction",
        "receptive-field radius: the radius holding this share of the power Σ r² of a unit's field",
        kDeeprg, DoubleField{&C::rf_fraction}, [](const C& c) -> std::string {
          if (!(c.rf_fraction > 0 && c.rf_fraction <= 1))
            return "must be in (0, 1], got " + str(c.rf_fraction);
          return {};
        });
    add("analysis.units_shown", "hidden units drawn per receptive-field figure", kDeeprg,
        SizeField{&C::units_shown}, [](const C& c) -> std::string {
          if (c.units_shown < 1 || c.units_shown > kMaxUnitsShown)
            return "must be in [1, " + str(kMaxUnitsShown) + "] (an 8-column grid), got " +
                   str(c.units_shown);
          return {};
        });
    add("analysis.reconstructions", "samples shown with their reconstructions (figure E)", kDeeprg,
        SizeField{&C::reconstructions}, [](const C& c) -> std::string {
          if (c.reconstructions < 1 || c.reconstructions > kMaxReconstructions)
            return "must be in [1, " + str(kMaxReconstructions) + "] (a row each), got " +
                   str(c.reconstructions);
          if (c.reconstructions > c.samples)
            return "must be <= sampling.samples (" + str(c.samples) + "), got " +
                   str(c.reconstructions);
          return {};
        });
    add("analysis.samples", "samples used for the RG diagnostics (capped at sampling.samples)",
        kDeeprg, SizeField{&C::analysis_samples}, [](const C& c) -> std::string {
          if (c.analysis_samples < 2) return "must be >= 2, got " + str(c.analysis_samples);
          return {};
        });

    // [run]
    add("run.seed", "seed from which every random choice derives", kDeeprg, U64Field{&C::seed});
    add("run.threads", "worker threads, 0 = all cores; never changes the result", kDeeprg,
        IntField{&C::threads}, [](const C& c) -> std::string {
          if (c.threads < 0) return "must be >= 0 (0 = all cores), got " + str(c.threads);
          return {};
        });
    return t;
  }();
  return table;
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  const auto dot = key.find('.');
  return {key.substr(0, dot), key.substr(dot + 1)};
}

const KeyDescriptor* find_key(std::string_view key) {
  for (const auto& d : descriptors())
    if (d.info.key == key) return &d;
  return nullptr;
}

bool is_section(std::string_view name) {
  for (const auto& d : descriptors())
    if (split_key(d.info.key).first == name) return true;
  return false;
}

// ------------------------------------------------------------------ unknown keys

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string last_component(std::string_view key) {
  const auto dot = key.rfind('.');
  return std::string(dot == std::string_view::npos ? key : key.substr(dot + 1));
}

// "learning_rate" → "lr": the usual abbreviation of a multi-word name.
std::string initials(std::string_view name) {
  if (name.find('_') == std::string_view::npos) return {};
  std::string out;
  bool start = true;
  for (char ch : name) {
    if (start && ch != '_') out += ch;
    start = ch == '_';
  }
  return out;
}

// The known key an unknown one most likely meant: within edit distance 2 (case-insensitively),
// or with the same last component ("epochs" → "train.epochs"), or abbreviating it ("train.lr"
// → "train.learning_rate"). Empty when nothing is close.
std::string suggestion(const std::string& unknown) {
  const std::string u = lower(unknown);
  const std::string u_last = last_component(u);
  std::string best;
  std::size_t best_score = std::numeric_limits<std::size_t>::max();
  for (const auto& d : descriptors()) {
    const std::string k = lower(d.info.key);
    const std::string k_last = last_component(k);
    const std::size_t distance = edit_distance(u, k);
    const bool abbreviation = initials(k_last) == u_last;
    const bool close = abbreviation || distance <= 2 || u_last == k_last ||
                       (u_last.size() >= 3 && k_last.starts_with(u_last));
    if (!close) continue;
    // An abbreviation wins ("train.lr" is one edit from "train.l1" but means the learning
    // rate); then the case-insensitive distance, then the exact one ("lattice.k" → K, not L).
    const std::size_t score =
        abbreviation ? 0 : 2 + 2 * distance + (edit_distance(unknown, d.info.key) != distance);
    if (score < best_score) {
      best_score = score;
      best = d.info.key;
    }
  }
  return best;
}

[[noreturn]] void throw_unknown(const std::string& key, const std::string& where) {
  std::string message = "unknown key";
  if (const std::string near = suggestion(key); !near.empty())
    message += "; did you mean \"" + near + "\"?";
  throw ConfigError(key, message + where + " (deeprg run --print-config lists every key)");
}

// ------------------------------------------------------------------ applying values

std::string where_in(const std::string& origin, const toml::node& node) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return " (" + origin + ")";
  return " (" + origin + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
         ")";
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "the string \"" + node.as_string()->get() + "\"";
    case toml::node_type::integer:
      return "the integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return "the floating-point number " + format_double(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "the boolean true" : "the boolean false";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

std::string join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) out += (i ? separator : "") + words[i];
  return out;
}

std::int64_t require_integer(const KeyDescriptor& d, const toml::node& node,
                             const std::string& where, const std::string& expected) {
  const auto* value = node.as_integer();
  if (!value)
    throw ConfigError(d.info.key, "expected " + expected + ", got " + describe(node) + where);
  return value->get();
}

void apply_node(C& config, const KeyDescriptor& d, const toml::node& node,
                const std::string& where) {
  const std::string& key = d.info.key;
  std::visit(
      [&](const auto& field) {
        using F = std::decay_t<decltype(field)>;
        if constexpr (std::is_same_v<F, IntField>) {
          const std::int64_t v = require_integer(d, node, where, "an integer");
          if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
            throw ConfigError(key, "integer " + std::to_string(v) + " is out of range" + where);
          config.*field.member = static_cast<int>(v);
        } else if constexpr (std::is_same_v<F, SizeField> || std::is_same_v<F, U64Field>) {
          const std::int64_t v = require_integer(d, node, where, "a non-negative integer");
          if (v < 0)
            throw ConfigError(key,
                              "expected a non-negative integer, got " + std::to_string(v) + where);
          config.*field.member = static_cast<std::uint64_t>(v);
        } else if constexpr (std::is_same_v<F, DoubleField>) {
          if (const auto* i = node.as_integer()) {
            config.*field.member = static_cast<double>(i->get());  // lr = 1 means 1.0
          } else if (const auto* x = node.as_floating_point()) {
            config.*field.member = x->get();
          } else {
            throw ConfigError(key, "expected a number, got " + describe(node) + where);
          }
        } else if constexpr (std::is_same_v<F, BoolField>) {
          const auto* b = node.as_boolean();
          if (!b) throw ConfigError(key, "expected true or false, got " + describe(node) + where);
          config.*field.member = b->get();
        } else if constexpr (std::is_same_v<F, StringField>) {
          const auto* s = node.as_string();
          if (!s) throw ConfigError(key, "expected a string, got " + describe(node) + where);
          const std::string& v = s->get();
          if (!field.allowed.empty() &&
              std::find(field.allowed.begin(), field.allowed.end(), v) == field.allowed.end())
            throw ConfigError(
                key, "must be one of " + join(field.allowed, ", ") + "; got \"" + v + "\"" + where);
          config.*field.member = v;
        } else if constexpr (std::is_same_v<F, SizeListField>) {
          const std::string expected = "an array of positive integers such as [400, 100, 25]";
          const auto* array = node.as_array();
          if (!array)
            throw ConfigError(key, "expected " + expected + ", got " + describe(node) + where);
          std::vector<std::size_t> values;
          for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = *array->get(i);
            const auto* v = element.as_integer();
            if (!v || v->get() < 1)
              throw ConfigError(key, "expected " + expected + "; element " + std::to_string(i + 1) +
                                         " is " + describe(element) + where);
            values.push_back(static_cast<std::size_t>(v->get()));
          }
          config.*field.member = std::move(values);
        }
      },
      d.field);
}

// Every leaf of a TOML document with its dotted key: known keys (whatever their value, so a
// table given for a number is a type error), unknown keys, and sections given a value.
struct Leaf {
  std::string key;
  const toml::node* node;
};

void collect_leaves(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
  for (auto&& [k, node] : table) {
    const std::string key =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    const toml::table* sub = node.as_table();
    if (find_key(key) || !sub || (sub->empty() && !is_section(key))) {
      out.push_back({key, &node});
    } else {
      collect_leaves(*sub, key, out);
    }
  }
}

void apply_document(C& config, const toml::table& document, const std::string& origin) {
  std::vector<Leaf> leaves;
  collect_leaves(document, "", leaves);
  // TOML tables iterate in key order; report problems in the order of the file instead.
  std::stable_sort(leaves.begin(), leaves.end(), [](const Leaf& a, const Leaf& b) {
    const auto& pa = a.node->source().begin;
    const auto& pb = b.node->source().begin;
    return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
  });
  C updated = config;  // all or nothing
  for (const Leaf& leaf : leaves) {
    const std::string where = where_in(origin, *leaf.node);
    if (const KeyDescriptor* d = find_key(leaf.key)) {
      apply_node(updated, *d, *leaf.node, where);
    } else if (is_section(leaf.key)) {
      throw ConfigError(leaf.key, "is a table of keys ([" + leaf.key + "]), not a value; got " +
                                      describe(*leaf.node) + where);
    } else {
      throw_unknown(leaf.key, where);
    }
  }
  config = std::move(updated);
}

std::string trim(std::string_view s) {
  const auto is_space = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// A word that is not valid TOML but plainly means a string: `sampling.algorithm=swendsen-wang`.
bool is_bare_word(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(ch));
          out += buffer;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string toml_value(const C& config, const Field& field) {
  return std::visit(
      [&](const auto& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, BoolField>) {
          return config.*f.member ? "true" : "false";
        } else if constexpr (std::is_same_v<F, StringField>) {
          return toml_string(config.*f.member);
        } else if constexpr (std::is_same_v<F, SizeListField>) {
          std::vector<std::string> items;
          for (std::size_t v : config.*f.member) items.push_back(std::to_string(v));
          return "[" + join(items, ", ") + "]";
        } else {
          return str(config.*f.member);
        }
      },
      field);
}

nlohmann::json json_value(const C& config, const Field& field) {
  return std::visit([&](const auto& f) { return nlohmann::json(config.*f.member); }, field);
}

// Type-level checks every key of its kind shares: finite doubles, allowed strings, and unsigned
// values small enough for a TOML integer (so to_toml's output reads back).
std::string generic_check(const C& config, const Field& field) {
  return std::visit(
      [&](const auto& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, DoubleField>) {
          if (!std::isfinite(config.*f.member))
            return "must be a finite number, got " + format_double(config.*f.member);
        } else if constexpr (std::is_same_v<F, StringField>) {
          const std::string& v = config.*f.member;
          if (!f.allowed.empty() &&
              std::find(f.allowed.begin(), f.allowed.end(), v) == f.allowed.end())
            return "must be one of " + join(f.allowed, ", ") + "; got \"" + v + "\"";
        } else if constexpr (std::is_same_v<F, SizeField> || std::is_same_v<F, U64Field>) {
          if (config.*f.member > kTomlMax)
            return "must be <= 2^63 - 1 (the largest TOML integer), got " + str(config.*f.member);
        } else if constexpr (std::is_same_v<F, SizeListField>) {
          for (std::size_t v : config.*f.member) {
            if (v < 1) return "every layer needs >= 1 unit, got " + str(v);
            if (v > kTomlMax)
              return "must be <= 2^63 - 1 (the largest TOML integer), got " + str(v);
          }
        }
        return {};
      },
      field);
}

/// Where TOML text holds a byte ≥ 0x80 outside a comment: {line, column}, both 1-based, or
/// {0, 0}. Every key and value of deeprg's configuration is ASCII, and toml++ 3.3.0 reaches
/// __builtin_unreachable() (undefined behaviour, marzer/tomlplusplus#295) on many non-ASCII
/// characters outside comments: where it expects whitespace, and after a backslash in a string.
/// So such text is refused before it is parsed; comments may hold anything.
std::pair<std::size_t, std::size_t> non_ascii_outside_comments(std::string_view text) {
  std::size_t line = 1, column = 0;
  enum { plain, comment, basic, literal, multi_basic, multi_literal } state = plain;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    const auto next = [&](std::string_view s) { return text.substr(i, s.size()) == s; };
    if (state != comment && static_cast<unsigned char>(c) >= 0x80) return {line, column};
    switch (state) {
      case plain:
        if (c == '#')
          state = comment;
        else if (next("\"\"\""))
          state = multi_basic, i += 2, column += 2;
        else if (next("'''"))
          state = multi_literal, i += 2, column += 2;
        else if (c == '"')
          state = basic;
        else if (c == '\'')
          state = literal;
        break;
      case comment:
        if (c == '\n') state = plain;
        break;
      case basic:
        if (c == '\\')
          ++i, ++column;  // an escape: the next byte cannot close the string
        else if (c == '"' || c == '\n')
          state = plain;
        break;
      case literal:
        if (c == '\'' || c == '\n') state = plain;
        break;
      case multi_basic:
        if (c == '\\')
          ++i, ++column;
        else if (next("\"\"\""))
          state = plain, i += 2, column += 2;
        break;
      case multi_literal:
        if (next("'''")) state = plain, i += 2, column += 2;
        break;
    }
    if (i < text.size() && text[i] == '\n') line += 1, column = 0;
  }
  return {0, 0};
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> out;
    for (const auto& d : descriptors()) out.push_back(d.info);
    return out;
  }();
  return keys;
}

std::vector<std::string> preset_names() { return {"paper", "quick"}; }

ExperimentConfig preset(const std::string& name) {
  ExperimentConfig config;  // "paper": the defaults in the header
  if (name == "paper") return config;
  if (name == "quick") {
    // The same system and network (L = 40, K = 0.408, 1600-400-100-25), so the figures show the
    // same physics, with less data and training: training the first layer costs about 0.9 s per
    // epoch per 20,000 samples on two cores, so 10,000 samples × 40 epochs is ~20 s for layer 1
    // (the upper layers are cheaper), and the whole run stays well under two minutes. Fields
    // localise through the accumulated L1 shrinkage, ε·λ per update: 4,000 updates (×2e-3) are
    // enough for visibly local fields, 1,200 are not.
    config.samples = 10000;
    config.epochs = 40;
    config.analysis_samples = 2000;
    return config;
  }
  throw ConfigError("preset",
                    "unknown preset \"" + name + "\"; choose " + join(preset_names(), " or "));
}

void apply_toml(ExperimentConfig& config, const std::string& text, const std::string& origin) {
  if (const auto [line, column] = non_ascii_outside_comments(text); line > 0)
    throw IoError(origin + ":" + std::to_string(line) + ":" + std::to_string(column) +
                  ": a non-ASCII character outside a comment (line " + std::to_string(line) +
                  ", column " + std::to_string(column) + "): deeprg's keys and values are ASCII");
  toml::table document;
  try {
    document = toml::parse(std::string_view(text), std::string_view(origin));
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw IoError(origin + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                  ": invalid TOML (line " + std::to_string(begin.line) + ", column " +
                  std::to_string(begin.column) + "): " + std::string(e.description()));
  }
  apply_document(config, document, origin);
}

void apply_toml_file(ExperimentConfig& config, const std::filesystem::path& file) {
  std::string text;
  try {
    text = io::read_file(file);  // refuses directories, which an ifstream reads as empty
  } catch (const IoError& e) {
    throw IoError(std::string("cannot read config file ") + e.what());
  }
  apply_toml(config, text, file.string());
}

void apply_override(ExperimentConfig& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos)
    throw ConfigError("set",
                      "expected key=value (e.g. train.epochs=50), got \"" + assignment + "\"");
  const std::string key = trim(std::string_view(assignment).substr(0, eq));
  const std::string value = trim(std::string_view(assignment).substr(eq + 1));
  if (key.empty()) throw ConfigError("set", "missing key before '=' in \"" + assignment + "\"");
  const std::string where = " (--set " + assignment + ")";
  const KeyDescriptor* d = find_key(key);
  if (!d) {
    if (is_section(key))
      throw ConfigError(key, "is a table of keys, not a value; set one of its keys, e.g. " + key +
                                 ".<name>=..." + where);
    throw_unknown(key, where);
  }
  if (value.empty()) throw ConfigError(key, "missing value after '='" + where);

  if (non_ascii_outside_comments(value).first > 0)
    throw ConfigError(key,
                      "cannot read \"" + value + "\" as a TOML value: values are ASCII" + where);
  toml::table document;
  try {
    const std::string text = "v = " + value;
    document = toml::parse(std::string_view(text), std::string_view("--set"));
  } catch (const toml::parse_error& e) {
    if (!is_bare_word(value))
      throw ConfigError(key, "cannot read \"" + value +
                                 "\" as a TOML value: " + std::string(e.description()) + where);
    document.insert_or_assign("v", value);
  }
  // "1\nother = 2" would smuggle a second key in; a value is one value.
  if (document.size() != 1 || !document.contains("v"))
    throw ConfigError(key, "expected a single value, got \"" + value + "\"" + where);
  ExperimentConfig updated = config;
  apply_node(updated, *d, *document.get("v"), where);
  config = std::move(updated);
}

void validate(const ExperimentConfig& config) {
  for (const auto& d : descriptors()) {
    std::string problem = generic_check(config, d.field);
    if (problem.empty() && d.check) problem = d.check(config);
    if (!problem.empty()) throw ConfigError(d.info.key, problem);
  }
}

nlohmann::json to_json(const ExperimentConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& d : descriptors()) {
    const auto [section, name] = split_key(d.info.key);
    out[section][name] = json_value(config, d.field);
  }
  return out;
}

std::string to_toml(const ExperimentConfig& config) {
  std::string out =
      "# deeprg run: Mehta & Schwab's experiment (arXiv:1410.3831, §V), resolved configuration.\n"
      "# Each key follows a comment with its meaning and (in parentheses) where its default\n"
      "# comes from. Edit, then: deeprg run --config FILE.toml. Keys left out keep the preset's\n"
      "# values; --set key=value overrides any of them.\n";
  std::string current;
  for (const auto& d : descriptors()) {
    const auto [section, name] = split_key(d.info.key);
    if (section != current) {
      out += "\n[" + section + "]\n";
      current = section;
    }
    out += "# " + d.info.help + " (" + d.info.source + ")\n";
    out += name + " = " + toml_value(config, d.field) + "\n";
  }
  return out;
}

}  // namespace deeprg::experiment
