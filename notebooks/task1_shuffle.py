# %% [markdown] locked
# # NN debug. Задание {{task}}
#
# {{badge}}
#
# В этой тетрадке мы рассмотрим несколько проблем с обучением сеток и способы их решения.
#
# *Лучше решать эту домашку в колабе* (Runtime → Change runtime type → GPU).

# %% include: imports

# %% include: setup

# %% [markdown] locked
# # Data
#
# Для обучения сеток мы будем использовать MNIST.
#
# Ячейка выше скачивает архив `mnist_data.zip` из релиза репозитория курса (адрес: `FILES` в той ячейке)
# и распаковывает его в текущую папку (если папки `mnist_data` ещё нет). Его структура следующая:
# - /
#     - /train.csv
#     - /val.csv
#     - /train/{image_name}.png
#     - /val/{image_name}.png
#
# CSV файлы содержат название файла и его лейбл: image_name, label.

# %% include: mnist_dataset

# %% [markdown] locked
# ## Задание 1
# **({{points}} балла)** Запустите обучение сети в ячейках ниже. За {{epochs}} эпох метрика на валидации
# вырастает всего до ~0.15.
#
# *Вопросы:*
# 1. Почему сетка так плохо учится?
# 1. Найдите ошибку в коде и объясните, почему ошибка вызывает подобное поведение в обучении?
#
# *Requirements:*
# 1. Напишите ответы в markdown ячейке перед следующим заданием (ячейка `task1_explanation` ниже).
# 1. В следующей ячейке (после вашего ответа, `task1_fix`) вставьте код с исправлением ошибки.
#
# Ячейки с данным кодом (модель, `Trainer`, запуск обучения) менять нельзя: при проверке они
# восстанавливаются. Всё исправление пишите в ячейку `task1_fix`: она должна заново создать `model`, `opt`
# и `trainer` с исправлением (можно объявить свой класс тренера). Ячейка после неё запустит
# `trainer.train({{epochs}})`.

# %% include: resnet18

# %% include: trainer

# %% locked id=experiment
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',
                         description_csv_path='./mnist_data/val.csv')

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1/')

# %% locked id=train
trainer.train({{epochs}})

# %% include: tensorboard

# %% [markdown] answer id=task1_explanation
# DataLoader для обучения создаётся с `shuffle=False`, а `train.csv` отсортирован по лейблу. Поэтому
# каждый мини-батч состоит из картинок одного класса, и батчи идут в одном и том же порядке каждую эпоху:
# сеть на каждом шаге подстраивается под одну цифру и забывает предыдущие, а к концу эпохи предсказывает
# последний увиденный класс. Исправление: `shuffle=True`, тогда данные перемешиваются заново каждую эпоху
# и батчи содержат все классы.

# %% answer id=task1_fix
### BEGIN SOLUTION
# Тот же Trainer, но DataLoader обучения перемешивает данные каждую эпоху (shuffle=True).
# %include trainer shuffle=True

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')
### END SOLUTION

# %% locked id=train_fixed
trainer.train({{epochs}})

# %% include: tensorboard

# %% test id=task1_fix_visible points=0
# Проверка, которую можно запустить самому: после исправления сеть учится.
# %include val_accuracy

accuracy = val_accuracy(trainer.model, mnist_val)
print(f'accuracy на валидации: {accuracy:.3f}')
assert accuracy > 0.5, 'сеть всё ещё плохо учится: ищите ошибку дальше'

# %% test id=task1_fix_shuffle points=fix
# Скрытые тесты: батчи обучения должны содержать разные классы и перемешиваться заново каждую эпоху.
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по записи
# обучения из ячейки `train_fixed` и по весам обученной модели.
### END HIDDEN TESTS

# %% test id=task1_explanation_rubric points=explanation
# Скрытые тесты: ответ в ячейке task1_explanation сверяется с рубрикой (причина и механизм).
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по тексту
# ответа в ячейке task1_explanation.
### END HIDDEN TESTS
