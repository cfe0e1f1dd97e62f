#include "event_hub.hpp"

namespace hearth::studio {
namespace {

constexpr size_t kQueueLimit = 2000;  // a page that stopped reading loses old events, not memory

}  // namespace

std::vector<std::string> Subscriber::take(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait_for(lock, wait, [this] { return closed_ || !queue_.empty(); });
  std::vector<std::string> out(queue_.begin(), queue_.end());
  queue_.clear();
  return out;
}

bool Subscriber::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void Subscriber::push(const std::string& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(event);
  if (queue_.size() > kQueueLimit) {
    queue_.pop_front();
    ++dropped_;
  }
  ready_.notify_all();
}

void Subscriber::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  ready_.notify_all();
}

std::shared_ptr<Subscriber> EventHub::subscribe() {
  auto s = std::make_shared<Subscriber>();
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) s->close();
  subscribers_.push_back(s);
  return s;
}

void EventHub::publish(const std::string& name, const nlohmann::json& data) {
  const std::string event = "event: " + name + "\ndata: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = subscribers_.begin();
  while (it != subscribers_.end()) {
    if (std::shared_ptr<Subscriber> s = it->lock()) {
      s->push(event);
      ++it;
    } else {
      it = subscribers_.erase(it);
    }
  }
}

void EventHub::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  for (auto& w : subscribers_)
    if (auto s = w.lock()) s->close();
}

size_t EventHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (auto& w : subscribers_) n += w.expired() ? 0 : 1;
  return n;
}

}  // namespace hearth::studio
