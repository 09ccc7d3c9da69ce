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
# ## Задание 3
# **({{points}} балла)** Запустите обучение сети в ячейках ниже. В сети будут использоваться предобученные
# параметры, которые должны были помочь выдавать качество около 1. Однако, за {{epochs}} эпох сетка не выдаст
# качество, которое мы ожидали.
#
# Состояние модели `pretrained_model.pt` из релиза репозитория курса (адрес: `FILES` в ячейке подготовки)
# скачивает ячейка подготовки в начале тетрадки.
#
# *Вопросы:*
# 1. Почему сетка так плохо учится?
# 1. Найдите ошибку и объясните, почему найденная ошибка вызывает подобное поведение в обучении?
#
# *Requirements:*
# 1. Напишите ответы в markdown ячейке после ячейки с тензорбордом (ячейка `task3_explanation`).
# 1. В следующей ячейке (после вашего ответа, `task3_fix`) вставьте код с исправлением ошибки.
#
# Ячейки с данным кодом (модель, `Trainer`, запуск обучения) менять нельзя: при проверке они
# восстанавливаются. Всё исправление пишите в ячейку `task3_fix`: она должна заново создать `model`, `opt`
# и `trainer` с исправлением. Ячейка после неё запустит `trainer.train({{epochs}})`.

# %% include: resnet18

# %% include: trainer

# %% locked id=experiment
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',
                         description_csv_path='./mnist_data/val.csv')

model = ResNet18()
model_sate_path = 'pretrained_model.pt'
model.load_state_dict(torch.load(model_sate_path, map_location='cpu'))

opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3')

# %% locked id=train
trainer.train({{epochs}})

# %% include: tensorboard

# %% [markdown] answer id=task3_explanation
# В `pretrained_model.pt` занулены веса BatchNorm после первой свёртки (`net.bn1.weight` и `net.bn1.bias`
# равны нулю). Этот слой умножает все признаки на 0, после ReLU активации нулевые, поэтому выход сети один
# и тот же для любых входов. Градиент через нулевые активации и ReLU тоже нулевой: веса до и после этого
# слоя не обновляются, и сеть не обучается. Исправление: переинициализировать занулённые тензоры
# (weight = 1, bias = 0, как у нового BatchNorm), остальные предобученные веса оставить.

# %% answer id=task3_fix
### BEGIN SOLUTION
model = ResNet18()
weights = torch.load('pretrained_model.pt', map_location='cpu')

# Занулённые тензоры берём из свежей инициализации (BatchNorm: weight = 1, bias = 0), остальное из файла.
fresh = ResNet18().state_dict()
for name, tensor in weights.items():
    if tensor.is_floating_point() and torch.all(tensor == 0):
        weights[name] = fresh[name]
model.load_state_dict(weights)

opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')
### END SOLUTION

# %% locked id=train_fixed
trainer.train({{epochs}})

# %% include: tensorboard

# %% test id=task3_fix_visible points=0
# Проверка, которую можно запустить самому: нулевых весов нет, сеть учится.
# %include val_accuracy

dead = [name for name, param in trainer.model.named_parameters()
        if name.endswith('weight') and torch.all(param == 0)]
assert not dead, 'в модели остались веса, равные нулю целиком: ищите ошибку дальше'
accuracy = val_accuracy(trainer.model, mnist_val)
print(f'accuracy на валидации: {accuracy:.3f}')
assert accuracy > 0.8, 'сеть всё ещё плохо учится: ищите ошибку дальше'

# %% test id=task3_fix_pretrained points=fix
# Скрытые тесты: нулевых весов нет, выход зависит от входа, предобученные веса используются.
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по записи
# обучения из ячейки `train_fixed` и по весам обученной модели.
### END HIDDEN TESTS

# %% test id=task3_explanation_rubric points=explanation
# Скрытые тесты: ответ в ячейке task3_explanation сверяется с рубрикой (причина и механизм).
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по тексту
# ответа в ячейке task3_explanation.
### END HIDDEN TESTS
