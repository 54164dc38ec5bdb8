// Checkpoint/restart of the learner. File layout (little-endian host order):
//   "MLGMRESK"  magic, 8 bytes
//   u32         format version (kVersion)
//   u64         payload size
//   payload     problem and model description, counters, policy state,
//               replay stores, learning-budget state, sampler state, then
//               whether the network was built and, if so, the model's bytes
//               (LibTorch's archive of its weights and optimizer state)
//   u64         FNV-1a hash of the payload
// The description is checked before anything is replaced, so a file written
// for another problem or model is refused with the reason, and this learner
// is left as it was.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "learner_impl.hpp"
#include "mlgmres/checkpoint.hpp"

namespace mlgmres {

namespace {

constexpr char kMagic[8] = {'M', 'L', 'G', 'M', 'R', 'E', 'S', 'K'};
constexpr std::uint32_t kVersion = 4;  // 2: learning budget state; 3: fluidnet boundary features; 4: the network may be absent
using Kind = CheckpointError::Kind;

std::uint64_t fnv1a(const std::string &data) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

class Writer {
 public:
  template <class T> void put(const T &v) { out_.append(reinterpret_cast<const char *>(&v), sizeof(T)); }
  void put(const std::string &s) {
    put<std::uint64_t>(s.size());
    out_.append(s);
  }
  template <class T> void put_vector(const std::vector<T> &v) {
    put<std::uint64_t>(v.size());
    out_.append(reinterpret_cast<const char *>(v.data()), v.size() * sizeof(T));
  }
  const std::string &bytes() const { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string &data, const std::string &path) : data_(data), path_(path) {}
  template <class T> T get() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    need(n);
    std::string s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t remaining() const { return data_.size() - pos_; }
  template <class T> std::vector<T> get_vector() {
    const auto n = get<std::uint64_t>();
    need(n > remaining() / sizeof(T) ? remaining() + 1 : n * sizeof(T));  // compared before n * sizeof(T) can overflow
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), data_.data() + pos_, n * sizeof(T));  // an empty vector has no buffer to copy into (found by the fuzzer)
    pos_ += n * sizeof(T);
    return v;
  }

 private:
  void need(std::uint64_t n) const {
    if (n > data_.size() - pos_) throw CheckpointError(Kind::Corrupted, "checkpoint '" + path_ + "' is corrupted: a record runs past the end of its payload");
  }
  const std::string &data_;
  std::string path_;
  std::size_t pos_ = 0;
};

// What a checkpoint must agree with to be loaded into a learner.
std::string describe(const Settings &s, const Geometry &g, int blocks) {
  std::ostringstream o;
  o << "model " << s.model << " (" << s.channels << " channels, " << blocks << " blocks, boundary width " << s.boundary_width << ", " << s.precision
    << ", optimizer " << s.optimizer << ") on ";
  if (g.structured()) o << g.dim << "-D grid " << g.n[0] << "x" << g.n[1] << "x" << g.n[2] << " with " << g.dof << " dof";
  else o << g.size() << " unknowns without grid";
  return o.str();
}

void put_samples(Writer &w, const std::deque<Sample> &set) {
  w.put<std::uint64_t>(set.size());
  for (const Sample &s : set) {
    w.put_vector(s.b);
    w.put_vector(s.x);
  }
}

std::deque<Sample> get_samples(Reader &r, std::size_t field, const std::string &path) {
  // Bounded by what the rest of the payload can hold before anything is
  // allocated (a pair is two sizes and two fields); the store's cap applies on restore.
  const auto count = r.get<std::uint64_t>();
  if (count > r.remaining() / (2 * sizeof(std::uint64_t) + 2 * field * sizeof(float)))
    throw CheckpointError(Kind::Corrupted, "checkpoint '" + path + "' is corrupted: " + std::to_string(count) + " stored pairs cannot fit in what is left of it");
  std::deque<Sample> set(count);
  for (Sample &s : set) {
    s.b = r.get_vector<float>();
    s.x = r.get_vector<float>();
    if (s.b.size() != field || s.x.size() != field) throw CheckpointError(Kind::Corrupted, "checkpoint '" + path + "' is corrupted: a stored pair has the wrong size");
  }
  return set;
}

void put_doubles(Writer &w, const std::deque<double> &d) { w.put_vector(std::vector<double>(d.begin(), d.end())); }
std::deque<double> get_doubles(Reader &r) {
  auto v = r.get_vector<double>();
  return std::deque<double>(v.begin(), v.end());
}

}  // namespace

void Learner::save(const std::string &path) {
  wait_for_training();  // the state of a finished training, not of one half done
  Impl &m = *impl_;
  Writer w;
  const int blocks = m.model ? m.learning().blocks() : 0;
  w.put(describe(m.settings, m.geometry, blocks));
  w.put<std::int32_t>(blocks);
  w.put(m.target_scale);
  w.put<std::int32_t>(m.trainings);
  w.put<std::int32_t>(m.guesses);
  w.put<std::int32_t>(m.non_finite);
  w.put(m.last_loss);
  w.put_vector(m.losses);
  const PolicyState ps = m.policy.state();
  put_doubles(w, ps.residuals);
  put_doubles(w, ps.times);
  w.put<std::int32_t>(ps.solves);
  w.put<std::int32_t>(ps.pending);
  w.put<std::uint8_t>(ps.warmed);
  w.put<std::uint8_t>(ps.trigger);
  put_samples(w, m.store.training());
  put_samples(w, m.store.pending());
  w.put<std::uint64_t>(m.store.evicted());
  const LearningBudget::State bs = m.budget.state();
  w.put(bs.solve_seconds);
  w.put(bs.training_seconds);
  w.put(bs.baseline_sum);
  w.put<std::int32_t>(bs.baseline_n);
  w.put<std::int32_t>(bs.guessed_n);
  put_doubles(w, bs.guessed);
  w.put<std::uint8_t>(bs.parked);
  w.put<std::uint8_t>(m.training_owed);
  w.put(m.training_estimate);
  std::ostringstream rng;
  rng << m.rng;
  w.put(rng.str());
  w.put<std::uint8_t>(m.model != nullptr);  // a learner that never trained has no network to save
  if (m.model) w.put(m.learning().save());  // the model that learns: its optimizer state is the one that moved

  // Write next to the target and rename: a crash never leaves half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw CheckpointError(Kind::Write, "cannot write checkpoint '" + path + "'");
    f.write(kMagic, sizeof(kMagic));
    f.write(reinterpret_cast<const char *>(&kVersion), sizeof(kVersion));
    const std::uint64_t size = w.bytes().size(), hash = fnv1a(w.bytes());
    f.write(reinterpret_cast<const char *>(&size), sizeof(size));
    f.write(w.bytes().data(), (std::streamsize)size);
    f.write(reinterpret_cast<const char *>(&hash), sizeof(hash));
    if (!f.flush()) {
      f.close();
      std::remove(tmp.c_str()); /* a failed save leaves nothing behind */
      throw CheckpointError(Kind::Write, "cannot write checkpoint '" + path + "' (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw CheckpointError(Kind::Write, "cannot move checkpoint into place at '" + path + "'");
  }
}

namespace {

// The largest payload a checkpoint of this learner can have: both stores full,
// the counters, and the network with its optimizer state (weights, and Adam's
// two moments, in float64 at most; the dense model has n^2 weights, the grid
// models a few per cell at most, with room to spare). Nothing larger is read.
std::uint64_t payload_bound(const Settings &s, const Geometry &g, std::size_t capacity) {
  const double n = (double)g.size();
  const double pairs = 2.0 * (double)capacity * (2.0 * n * sizeof(float) + 2 * sizeof(std::uint64_t));
  const double network = 3 * sizeof(double) * n * (s.model == "linear" ? n : 64.0);
  return (std::uint64_t)std::min(pairs + network + 64.0 * 1024 * 1024, 1e18);
}

// The file's payload, checked in the order that reads the least: a regular
// file, its magic number and header, the sizes against the file and the
// problem, then the payload itself and its checksum.
std::string read_payload(const std::string &path, std::uint64_t bound) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw CheckpointError(Kind::Missing, "checkpoint '" + path + "' cannot be opened (missing or unreadable)");
  if (S_ISDIR(st.st_mode)) throw CheckpointError(Kind::Missing, "checkpoint '" + path + "' is a directory, not a checkpoint file");
  if (!S_ISREG(st.st_mode)) throw CheckpointError(Kind::Missing, "checkpoint '" + path + "' is not a regular file (a device, pipe or socket)");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CheckpointError(Kind::Missing, "checkpoint '" + path + "' cannot be opened (missing or unreadable)");
  const std::uint64_t file_size = (std::uint64_t)st.st_size;
  constexpr std::size_t header = sizeof(kMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);
  char head[header];
  f.read(head, std::min<std::uint64_t>(header, file_size));
  if (file_size < sizeof(kMagic) || std::memcmp(head, kMagic, sizeof(kMagic)) != 0)
    throw CheckpointError(file_size < sizeof(kMagic) ? Kind::Truncated : Kind::Corrupted, "'" + path + "' is not an mlgmres checkpoint (bad magic number" + std::string(file_size < sizeof(kMagic) ? ", file too short" : "") + ")");
  if (file_size < header) throw CheckpointError(Kind::Truncated, "checkpoint '" + path + "' is truncated (incomplete header)");
  std::uint32_t version;
  std::uint64_t size;
  std::memcpy(&version, head + sizeof(kMagic), sizeof(version));
  std::memcpy(&size, head + sizeof(kMagic) + sizeof(version), sizeof(size));
  if (version != kVersion)
    throw CheckpointError(Kind::Version, "checkpoint '" + path + "' has format version " + std::to_string(version) + "; this library reads version " + std::to_string(kVersion));
  if (file_size - header < size || file_size - header - size < sizeof(std::uint64_t))
    throw CheckpointError(Kind::Truncated, "checkpoint '" + path + "' is truncated: " + std::to_string(file_size) + " bytes, expected " + std::to_string(header + size + sizeof(std::uint64_t)));
  if (file_size != header + size + sizeof(std::uint64_t)) throw CheckpointError(Kind::Corrupted, "checkpoint '" + path + "' is corrupted: trailing bytes after the payload");
  if (size > bound)
    throw CheckpointError(Kind::Mismatch, "checkpoint '" + path + "' holds " + std::to_string(size) + " bytes, more than a checkpoint of this problem can (" + std::to_string(bound) + "): written for another problem");
  std::string payload(size, '\0');
  std::uint64_t hash = 0;
  f.read(&payload[0], (std::streamsize)size);
  f.read(reinterpret_cast<char *>(&hash), sizeof(hash));
  if (!f) throw CheckpointError(Kind::Truncated, "checkpoint '" + path + "' is truncated (read error)");
  if (hash != fnv1a(payload)) throw CheckpointError(Kind::Corrupted, "checkpoint '" + path + "' is corrupted: checksum mismatch");
  return payload;
}

}  // namespace

void Learner::load(const std::string &path) {
  Impl &m = *impl_;
  const std::string payload = read_payload(path, payload_bound(m.settings, m.geometry, m.store.capacity()));

  Reader r(payload, path);
  const std::string written_for = r.get_string();
  const int blocks = r.get<std::int32_t>();
  const std::string here = describe(m.settings, m.geometry, blocks);
  if (written_for != here)
    throw CheckpointError(Kind::Mismatch, "checkpoint '" + path + "' was written for " + written_for + "; this solver has " + here);
  // Everything is read into temporaries first; the learner changes only at the end.
  const double target_scale = r.get<double>();
  const int trainings = r.get<std::int32_t>(), guesses = r.get<std::int32_t>(), non_finite = r.get<std::int32_t>();
  const double last_loss = r.get<double>();
  std::vector<double> losses = r.get_vector<double>();
  PolicyState ps;
  ps.residuals = get_doubles(r);
  ps.times = get_doubles(r);
  ps.solves = r.get<std::int32_t>();
  ps.pending = r.get<std::int32_t>();
  ps.warmed = r.get<std::uint8_t>();
  ps.trigger = r.get<std::uint8_t>();
  std::deque<Sample> training = get_samples(r, m.store.field_size(), path), pending = get_samples(r, m.store.field_size(), path);
  const auto evicted = r.get<std::uint64_t>();
  LearningBudget::State bs;
  bs.solve_seconds = r.get<double>();
  bs.training_seconds = r.get<double>();
  bs.baseline_sum = r.get<double>();
  bs.baseline_n = r.get<std::int32_t>();
  bs.guessed_n = r.get<std::int32_t>();
  bs.guessed = get_doubles(r);
  bs.parked = r.get<std::uint8_t>();
  const bool training_owed = r.get<std::uint8_t>();
  const double training_estimate = r.get<double>();
  std::mt19937_64 rng;
  std::istringstream(r.get_string()) >> rng;
  const bool built = r.get<std::uint8_t>();
  const std::string model_bytes = built ? r.get_string() : std::string();
  if (!built && (blocks || trainings)) throw CheckpointError(Kind::Corrupted, "checkpoint '" + path + "' is corrupted: a trained learner without its network");

  auto fresh = std::make_unique<Impl>(m.settings, m.geometry, m.make_model);
  if (built || m.model) {  // a learner on a device built its model at construction and keeps one
    fresh->model = m.make_model(m.settings, m.geometry);
    if (!grow_to(*fresh->model, blocks)) throw CheckpointError(Kind::Mismatch, "checkpoint '" + path + "' has residual blocks but model " + m.settings.model + " cannot grow");
  }
  if (built) {
    try {
      fresh->model->load(model_bytes);
    } catch (const std::exception &e) {
      throw CheckpointError(Kind::Corrupted, "checkpoint '" + path + "': the network or optimizer state does not load: " + e.what());
    }
  }
  fresh->target_scale = target_scale;
  fresh->trainings = trainings;
  fresh->guesses = guesses;
  fresh->non_finite = non_finite;
  fresh->last_loss = last_loss;
  fresh->losses = std::move(losses);
  fresh->policy.restore(ps);
  fresh->store.restore(std::move(training), std::move(pending), evicted);
  fresh->rng = rng;
  fresh->budget.restore(bs);
  fresh->training_owed = training_owed;
  fresh->training_estimate = training_estimate;
  impl_ = std::move(fresh);
}

}  // namespace mlgmres
