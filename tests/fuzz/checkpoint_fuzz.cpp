// libFuzzer harness on the checkpoint loader (Learner::load). Whatever the
// file holds, loading must end in a CheckpointError or in a loaded learner:
// any other exception, a crash, a sanitizer report, or an allocation beyond
// the fuzzer's limit (-malloc_limit_mb) is a finding.
//
// The file is either the input as it is (first byte even: the header checks),
// or the input's tail as the payload of a well-formed file with a valid
// checksum (first byte odd), so the fuzzer reaches the payload's parser
// instead of stopping at the checksum. LLVMFuzzerInitialize writes two seeds
// into the corpus directory (a learner that never built its network, and one
// that trained once), so no corpus is kept in the repository.
//
// The network is a stand-in without LibTorch: the loader's own checks are
// what is fuzzed; a network's bytes are LibTorch's to check.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "mlgmres/checkpoint.hpp"
#include "mlgmres/learner.hpp"

namespace {

using namespace mlgmres;

// The file format's framing (src/core/checkpoint.cpp).
constexpr char kMagic[8] = {'M', 'L', 'G', 'M', 'R', 'E', 'S', 'K'};
constexpr std::uint32_t kVersion = 4;
constexpr std::size_t kHeader = sizeof(kMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);

std::uint64_t fnv1a(const std::string &data) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

class StandInModel final : public Model {
 public:
  bool infer(const double *, double, double, double *, Memory) override { return true; }
  TrainingReport train(const ReplayStore &st, std::size_t, double, std::mt19937_64 &, const std::atomic<bool> *) override {
    TrainingReport r;
    r.ran = true;
    r.steps = 1;
    r.samples = st.size();
    return r;
  }
  double estimate_seconds(const ReplayStore &, std::mt19937_64 &) override { return 0; }
  double lower_bound_seconds(const ReplayStore &) const override { return 0; }
  bool grow() override { return ++blocks_ <= 3; }
  int blocks() const override { return blocks_; }
  std::int64_t parameters() const override { return 1; }
  std::int64_t optimized_parameters() const override { return 1; }
  double learning_rate() const override { return 1e-3; }
  void assign(const Model &) override {}
  std::string save() const override { return "weights"; }
  void load(const std::string &bytes) override {
    if (bytes != "weights") throw std::runtime_error("not this model's bytes");
  }

 private:
  int blocks_ = 0;
};

Settings settings() {
  Settings s;
  s.model = "linear";
  s.warmup = 4;
  s.capacity = 6;
  s.training_budget = 0;
  return s;
}

Geometry geometry() { return Geometry::unstructured(12); }

std::unique_ptr<Learner> learner() {
  return std::make_unique<Learner>(settings(), geometry(), [](const Settings &, const Geometry &) { return std::make_unique<StandInModel>(); });
}

std::string temp_file() { return (getenv("TMPDIR") ? std::string(getenv("TMPDIR")) : std::string("/tmp")) + "/mlgmres_fuzz_" + std::to_string(getpid()) + ".ckpt"; }

void write(const std::string &path, const std::string &bytes) { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }
std::string read(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A seed: the payload of a real checkpoint, after an odd first byte.
void seed(const std::string &dir, const std::string &name, bool train) {
  auto l = learner();
  std::vector<double> b(12), x(12);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 12; ++j) b[j] = 1 + i + j, x[j] = 0.5 * (i - j);
    SolveMetrics m;
    m.iterations = 10;
    m.residual_at_k = 2 + i;
    m.time_to_solution = 1;
    const Verdict v = l->screen(m);
    if (v != Verdict::WarmUp && v != Verdict::Candidate) continue;
    if (l->learn(b.data(), x.data()).training_due && train) l->train();
  }
  const std::string path = temp_file();
  l->save(path);
  const std::string file = read(path);
  std::remove(path.c_str());
  // The framing above copies the loader's; a new format version must update it, or every wrapped input dies at the version check.
  if (file.size() < kHeader || std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0 || std::memcmp(file.data() + sizeof(kMagic), &kVersion, sizeof(kVersion)) != 0) {
    std::fprintf(stderr, "ERROR: the harness' checkpoint framing (magic, version %u) is out of date\n", kVersion);
    std::abort();
  }
  write(dir + "/" + name, "\x01" + file.substr(kHeader, file.size() - kHeader - sizeof(std::uint64_t)));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  for (int i = *argc - 1; i > 0; --i) {
    if ((*argv)[i][0] == '-') continue;
    seed((*argv)[i], "seed_untrained", false);
    seed((*argv)[i], "seed_trained", true);
    break;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  static const std::string path = temp_file();
  std::string file;
  if (size && (data[0] & 1)) {
    const std::string payload(reinterpret_cast<const char *>(data) + 1, size - 1);
    const std::uint64_t n = payload.size(), hash = fnv1a(payload);
    file.append(kMagic, sizeof(kMagic));
    file.append(reinterpret_cast<const char *>(&kVersion), sizeof(kVersion));
    file.append(reinterpret_cast<const char *>(&n), sizeof(n));
    file += payload;
    file.append(reinterpret_cast<const char *>(&hash), sizeof(hash));
  } else {
    file.assign(reinterpret_cast<const char *>(data), size);
  }
  write(path, file);
  auto l = learner();
  try {
    l->load(path);
    l->status();  // a loaded learner must be usable
  } catch (const CheckpointError &) {
  }
  return 0;
}
